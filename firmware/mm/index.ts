/** The mm core's public surface (see memory-manager.ts for the entry point). */
export * from './layout.js';
export * from './migratetype.js';
export * from './page-flags.js';
export * from './gfp.js';
export * from './memmap.js';
export * from './zone.js';
export * from './watermarks.js';
export * from './pcp.js';
export * from './page-alloc.js';
export * from './mm-init.js';
export * from './vmstat.js';
export * from './proc.js';
export * from './proc-views.js';
export * from './invariants.js';
export * from './memory-manager.js';
// The mechanisms (reclaim, migration, compaction, isolation, contiguous ranges, CMA, hotplug,
// shrinkers) on top of the core; see mechanisms.ts for the entry point.
export * from './costs.js';
export * from './mm-context.js';
export * from './lru.js';
export * from './workingset.js';
export * from './shrinker.js';
export * from './reclaim.js';
export * from './migrate.js';
export * from './compaction.js';
export * from './isolation.js';
export * from './contig.js';
export * from './cma.js';
export * from './hotplug.js';
export * from './mechanisms.js';
