/**
 * Migrate types, as in include/linux/mmzone.h (enum migratetype) of Linux v6.18.
 *
 * UNMOVABLE, MOVABLE and RECLAIMABLE are the MIGRATE_PCPTYPES (they have per-cpu lists and fall
 * back to one another). HIGHATOMIC, CMA and ISOLATE have no fallbacks and are never fallback
 * targets. Values are fixed here even when CONFIG_CMA is off (only /proc hides the CMA column).
 */
export const MIGRATE_UNMOVABLE = 0;
export const MIGRATE_MOVABLE = 1;
export const MIGRATE_RECLAIMABLE = 2;
export const MIGRATE_PCPTYPES = 3;
export const MIGRATE_HIGHATOMIC = 3;
export const MIGRATE_CMA = 4;
export const MIGRATE_ISOLATE = 5;
export const MIGRATE_TYPES = 6;

export type Migratetype = 0 | 1 | 2 | 3 | 4 | 5;

/** migratetype_names[] of mm/vmstat.c, indexed by migratetype. */
export const MIGRATETYPE_NAMES = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'CMA', 'Isolate'] as const;

/**
 * fallbacks[] of mm/page_alloc.c: the order in which other free lists are tried when the
 * requested migratetype's lists are empty. Only the PCP types have fallbacks.
 */
export const FALLBACKS: readonly (readonly [number, number])[] = [
  /* MIGRATE_UNMOVABLE   */ [MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE],
  /* MIGRATE_MOVABLE     */ [MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE],
  /* MIGRATE_RECLAIMABLE */ [MIGRATE_UNMOVABLE, MIGRATE_MOVABLE],
];

/** migratetype_is_mergeable(): only PCP types may merge with a buddy of another type. */
export function migratetypeIsMergeable(mt: number): boolean {
  return mt < MIGRATE_PCPTYPES;
}
