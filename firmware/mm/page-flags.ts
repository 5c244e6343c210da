/**
 * What a page frame is used for (its owner kind) and the per-page flag bits of the model.
 *
 * Owner kinds replace the many struct page fields Linux uses to tell page uses apart
 * (PageBuddy, PageReserved, PageSlab + SLAB_RECLAIM_ACCOUNT, PageTable, PageAnon, page cache
 * with PG_dirty, balloon pages with PageOffline). FREE = 0 so a zero-filled memmap is all free.
 */
export const PageKind = {
  FREE: 0,
  RESERVED: 1,
  KERNEL: 2,
  SLAB_RECLAIMABLE: 3,
  SLAB_UNRECLAIMABLE: 4,
  PAGE_TABLE: 5,
  ANON: 6,
  FILE_CLEAN: 7,
  FILE_DIRTY: 8,
  BALLOON: 9,
  OFFLINE: 10,
} as const;
export type PageKind = (typeof PageKind)[keyof typeof PageKind];
export const NR_PAGE_KINDS = 11;
export const PAGE_KIND_NAMES = [
  'free',
  'reserved',
  'kernel',
  'slab_reclaimable',
  'slab_unreclaimable',
  'page_table',
  'anon',
  'file_clean',
  'file_dirty',
  'balloon',
  'offline',
] as const;

/**
 * Kinds that migration can move: LRU pages (anon, file), what Linux counts as movable in
 * prep_move_freepages_block() (PageLRU()). Balloon and offline pages are held by a PASR policy
 * so that their frames can be masked: unlike Linux's balloon compaction, no scanner may move
 * them (their frames would be handed to new owners while masked), so they are not movable.
 */
export function isMovableKind(kind: number): boolean {
  return kind >= PageKind.ANON && kind <= PageKind.FILE_DIRTY;
}

/** Kinds a PASR policy holds (balloon, offline): no data, never moved, never handed out. */
export function isHeldKind(kind: number): boolean {
  return kind === PageKind.BALLOON || kind === PageKind.OFFLINE;
}

/** Kinds that sit on an LRU list in Linux (anon and page cache). */
export function isLruKind(kind: number): boolean {
  return kind >= PageKind.ANON && kind <= PageKind.FILE_DIRTY;
}

/**
 * Per-page flag bits (MemMap.flags, one byte per page).
 * PG_BUDDY, PG_PCP and PG_HEAD are owned by the allocator core. PG_PINNED, PG_LRU,
 * PG_ACTIVE, PG_REFERENCED and PG_ISOLATED are for reclaim and migration code built on top.
 */
export const PG_BUDDY = 0x01; // head of a free block on a buddy free list; order in MemMap.order
export const PG_PCP = 0x02; // head of a free block parked on a per-cpu list
export const PG_HEAD = 0x04; // head of an allocated block; its allocation order in MemMap.order
export const PG_PINNED = 0x08; // long-term pinned (FOLL_LONGTERM / GUP): migration fails
export const PG_LRU = 0x10; // on an LRU list
export const PG_ACTIVE = 0x20; // on the active LRU
export const PG_REFERENCED = 0x40; // referenced since the last scan
export const PG_ISOLATED = 0x80; // isolated from the LRU for migration or reclaim
