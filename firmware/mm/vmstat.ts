/**
 * vm counters: the event counters of /proc/vmstat (VmEvents) and the ordered item lists of a
 * v6.18 x86-64 kernel (taken from test/fixtures/proc/vmstat), used by the /proc views.
 *
 * The event fields use Linux's item names. The allocator core increments pgalloc_*, pgfree,
 * numa_hit/numa_local and allocstall_*; reclaim, migration, compaction and balloon code built
 * on top increment the others. Items the model does not produce print as 0.
 */
import { MAX_NR_ZONES } from './layout.js';

/** Zone stat items (enum zone_stat_item), in /proc order. */
export const ZONE_STAT_ITEMS = [
  'nr_free_pages',
  'nr_free_pages_blocks',
  'nr_zone_inactive_anon',
  'nr_zone_active_anon',
  'nr_zone_inactive_file',
  'nr_zone_active_file',
  'nr_zone_unevictable',
  'nr_zone_write_pending',
  'nr_mlock',
  'nr_zspages',
  'nr_free_cma',
] as const;

/** NUMA event items (enum numa_stat_item), printed after the zone items. */
export const NUMA_STAT_ITEMS = [
  'numa_hit',
  'numa_miss',
  'numa_foreign',
  'numa_interleave',
  'numa_local',
  'numa_other',
] as const;

/** Node stat items (enum node_stat_item), the "per-node stats" of zoneinfo. */
export const NODE_STAT_ITEMS = [
  'nr_inactive_anon',
  'nr_active_anon',
  'nr_inactive_file',
  'nr_active_file',
  'nr_unevictable',
  'nr_slab_reclaimable',
  'nr_slab_unreclaimable',
  'nr_isolated_anon',
  'nr_isolated_file',
  'workingset_nodes',
  'workingset_refault_anon',
  'workingset_refault_file',
  'workingset_activate_anon',
  'workingset_activate_file',
  'workingset_restore_anon',
  'workingset_restore_file',
  'workingset_nodereclaim',
  'nr_anon_pages',
  'nr_mapped',
  'nr_file_pages',
  'nr_dirty',
  'nr_writeback',
  'nr_shmem',
  'nr_shmem_hugepages',
  'nr_shmem_pmdmapped',
  'nr_file_hugepages',
  'nr_file_pmdmapped',
  'nr_anon_transparent_hugepages',
  'nr_vmscan_write',
  'nr_vmscan_immediate_reclaim',
  'nr_dirtied',
  'nr_written',
  'nr_throttled_written',
  'nr_kernel_misc_reclaimable',
  'nr_foll_pin_acquired',
  'nr_foll_pin_released',
  'nr_kernel_stack',
  'nr_page_table_pages',
  'nr_sec_page_table_pages',
  'nr_iommu_pages',
  'nr_swapcached',
  'pgpromote_success',
  'pgpromote_candidate',
  'pgpromote_candidate_nrl',
  'pgdemote_kswapd',
  'pgdemote_direct',
  'pgdemote_khugepaged',
  'pgdemote_proactive',
  'nr_hugetlb',
  'nr_balloon_pages',
  'nr_kernel_file_pages',
] as const;

export const WRITEBACK_STAT_ITEMS = ['nr_dirty_threshold', 'nr_dirty_background_threshold'] as const;
export const MEMMAP_STAT_ITEMS = ['nr_memmap_pages', 'nr_memmap_boot_pages'] as const;

/** Zone suffixes of the per-zone events (ZONE_DEVICE is not modelled, so no *_device). */
export const ZONE_EVENT_SUFFIXES = ['dma', 'dma32', 'normal', 'movable'] as const;

/** enum vm_event_item in /proc order; '%z' marks the per-zone events expanded with the suffixes. */
export const VM_EVENT_ITEMS = [
  'pgpgin',
  'pgpgout',
  'pswpin',
  'pswpout',
  'pgalloc_%z',
  'allocstall_%z',
  'pgskip_%z',
  'pgfree',
  'pgactivate',
  'pgdeactivate',
  'pglazyfree',
  'pgfault',
  'pgmajfault',
  'pglazyfreed',
  'pgrefill',
  'pgreuse',
  'pgsteal_kswapd',
  'pgsteal_direct',
  'pgsteal_khugepaged',
  'pgsteal_proactive',
  'pgscan_kswapd',
  'pgscan_direct',
  'pgscan_khugepaged',
  'pgscan_proactive',
  'pgscan_direct_throttle',
  'pgscan_anon',
  'pgscan_file',
  'pgsteal_anon',
  'pgsteal_file',
  'zone_reclaim_success',
  'zone_reclaim_failed',
  'pginodesteal',
  'slabs_scanned',
  'kswapd_inodesteal',
  'kswapd_low_wmark_hit_quickly',
  'kswapd_high_wmark_hit_quickly',
  'pageoutrun',
  'pgrotated',
  'drop_pagecache',
  'drop_slab',
  'oom_kill',
  'numa_pte_updates',
  'numa_huge_pte_updates',
  'numa_hint_faults',
  'numa_hint_faults_local',
  'numa_pages_migrated',
  'pgmigrate_success',
  'pgmigrate_fail',
  'thp_migration_success',
  'thp_migration_fail',
  'thp_migration_split',
  'compact_migrate_scanned',
  'compact_free_scanned',
  'compact_isolated',
  'compact_stall',
  'compact_fail',
  'compact_success',
  'compact_daemon_wake',
  'compact_daemon_migrate_scanned',
  'compact_daemon_free_scanned',
  'htlb_buddy_alloc_success',
  'htlb_buddy_alloc_fail',
  'unevictable_pgs_culled',
  'unevictable_pgs_scanned',
  'unevictable_pgs_rescued',
  'unevictable_pgs_mlocked',
  'unevictable_pgs_munlocked',
  'unevictable_pgs_cleared',
  'unevictable_pgs_stranded',
  'thp_fault_alloc',
  'thp_fault_fallback',
  'thp_fault_fallback_charge',
  'thp_collapse_alloc',
  'thp_collapse_alloc_failed',
  'thp_file_alloc',
  'thp_file_fallback',
  'thp_file_fallback_charge',
  'thp_file_mapped',
  'thp_split_page',
  'thp_split_page_failed',
  'thp_deferred_split_page',
  'thp_underused_split_page',
  'thp_split_pmd',
  'thp_scan_exceed_none_pte',
  'thp_scan_exceed_swap_pte',
  'thp_scan_exceed_share_pte',
  'thp_split_pud',
  'thp_zero_page_alloc',
  'thp_zero_page_alloc_failed',
  'thp_swpout',
  'thp_swpout_fallback',
  'balloon_inflate',
  'balloon_deflate',
  'balloon_migrate',
  'swap_ra',
  'swap_ra_hit',
  'swpin_zero',
  'swpout_zero',
  'ksm_swpin_copy',
  'cow_ksm',
  'zswpin',
  'zswpout',
  'zswpwb',
  'direct_map_level2_splits',
  'direct_map_level3_splits',
  'direct_map_level2_collapses',
  'direct_map_level3_collapses',
] as const;

/** Legacy item appended by vmstat_start() for compatibility. */
export const VMSTAT_TRAILER_ITEMS = ['nr_unstable'] as const;

/**
 * Event and node-event counters with Linux names. Per-zone events are arrays indexed by
 * zone_idx. Everything starts at 0 and only grows (vm events are monotonic).
 */
export class VmEvents {
  readonly pgalloc = new Float64Array(MAX_NR_ZONES);
  readonly allocstall = new Float64Array(MAX_NR_ZONES);
  readonly pgskip = new Float64Array(MAX_NR_ZONES);
  pgfree = 0;
  pgpgin = 0;
  pgpgout = 0;
  pswpin = 0;
  pswpout = 0;
  pgactivate = 0;
  pgdeactivate = 0;
  pgfault = 0;
  pgmajfault = 0;
  pgrefill = 0;
  pgsteal_kswapd = 0;
  pgsteal_direct = 0;
  pgscan_kswapd = 0;
  pgscan_direct = 0;
  pgscan_direct_throttle = 0;
  pgscan_anon = 0;
  pgscan_file = 0;
  pgsteal_anon = 0;
  pgsteal_file = 0;
  slabs_scanned = 0;
  kswapd_low_wmark_hit_quickly = 0;
  kswapd_high_wmark_hit_quickly = 0;
  pageoutrun = 0;
  pgrotated = 0;
  drop_pagecache = 0;
  drop_slab = 0;
  oom_kill = 0;
  pgmigrate_success = 0;
  pgmigrate_fail = 0;
  compact_migrate_scanned = 0;
  compact_free_scanned = 0;
  compact_isolated = 0;
  compact_stall = 0;
  compact_fail = 0;
  compact_success = 0;
  compact_daemon_wake = 0;
  compact_daemon_migrate_scanned = 0;
  compact_daemon_free_scanned = 0;
  balloon_inflate = 0;
  balloon_deflate = 0;
  balloon_migrate = 0;
  // node event-like stats (enum node_stat_item entries that only count events)
  workingset_refault_anon = 0;
  workingset_refault_file = 0;
  workingset_activate_anon = 0;
  workingset_activate_file = 0;
  workingset_restore_anon = 0;
  workingset_restore_file = 0;
  workingset_nodereclaim = 0;
  nr_vmscan_write = 0;
  nr_vmscan_immediate_reclaim = 0;
  nr_dirtied = 0;
  nr_written = 0;
  // Not Linux vmstat items (kept for reports): allocation failures reported as outcomes, and
  // fallbacks to another migratetype's list (the mm_page_alloc_extfrag tracepoint), split into
  // those that claimed the pageblock and those that stole a block and left the type alone.
  alloc_fail = 0;
  fallback_claim = 0;
  fallback_steal = 0;

  /** Value of a /proc/vmstat or per-node item name, or undefined if not an event here. */
  get(name: string): number | undefined {
    const m = /^(pgalloc|allocstall|pgskip)_(dma|dma32|normal|movable)$/.exec(name);
    if (m) return this[m[1] as 'pgalloc' | 'allocstall' | 'pgskip'][ZONE_EVENT_SUFFIXES.indexOf(m[2] as 'dma')]!;
    // numa_hit / numa_local (one node, every allocation local): counted in pages, as pgalloc.
    if (name === 'numa_hit' || name === 'numa_local') return this.pgalloc.reduce((a, b) => a + b, 0);
    if (name === 'pgalloc' || name === 'allocstall' || name === 'pgskip' || name === 'get') return undefined;
    const v = (this as unknown as Record<string, unknown>)[name];
    return typeof v === 'number' ? v : undefined;
  }
}

/** The per-zone event names in vmstat order, expanded with the modelled zones' suffixes. */
export function expandEventNames(): string[] {
  const out: string[] = [];
  for (const n of VM_EVENT_ITEMS) {
    if (n.endsWith('_%z')) for (const s of ZONE_EVENT_SUFFIXES) out.push(n.replace('%z', s));
    else out.push(n);
  }
  return out;
}
