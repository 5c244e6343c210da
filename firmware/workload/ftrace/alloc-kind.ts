/**
 * What a traced allocation is on the board: its page kind from the event's migratetype (the
 * kernel's gfp_migratetype() of the request) and its gfp flags.
 *
 * | migratetype     | gfp flags                                   | page kind                 |
 * | --------------- | ------------------------------------------- | ------------------------- |
 * | 1 (movable)     | __GFP_ZERO, or GFP_TRANSHUGE(_LIGHT)        | anon (LRU)                |
 * | 1 (movable)     | __GFP_WRITE                                 | file, dirty (LRU)         |
 * | 1 (movable)     | anything else (page cache, readahead)       | file, clean (LRU)         |
 * | 2 (reclaimable) | (__GFP_RECLAIMABLE: dentries, inodes)       | reclaimable slab          |
 * | 0 (unmovable)   | (GFP_KERNEL, GFP_ATOMIC, GFP_NOFS, ...)      | kernel                    |
 * | absent (-1)     | taken from __GFP_MOVABLE / __GFP_RECLAIMABLE | as above                  |
 *
 * A zeroed movable page is a first touch of anonymous memory (alloc_zeroed_user_highpage); a
 * THP request (__GFP_COMP with __GFP_NOMEMALLOC, the GFP_TRANSHUGE pattern) is anonymous too;
 * the page cache allocates without __GFP_ZERO, with __GFP_WRITE for a write (grab_cache_page_
 * write_begin()). A copy-on-write copy of an anon page looks like page cache and is counted as
 * file: the trace does not tell them apart.
 */
import { __GFP_COMP, __GFP_NOMEMALLOC, __GFP_WRITE, __GFP_ZERO, gfpMigratetype } from '../../mm/gfp.js';
import { MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE } from '../../mm/migratetype.js';
import { PageKind } from '../../mm/page-flags.js';
import type { PageType } from '../../mm/workingset.js';

export interface AllocKind {
  readonly kind: PageKind;
  /** The LRU an anon or file page goes on; null for kernel and slab pages. */
  readonly lru: PageType | null;
}

const ANON: AllocKind = { kind: PageKind.ANON, lru: 'anon' };
const FILE_DIRTY: AllocKind = { kind: PageKind.FILE_DIRTY, lru: 'file' };
const FILE_CLEAN: AllocKind = { kind: PageKind.FILE_CLEAN, lru: 'file' };
const SLAB: AllocKind = { kind: PageKind.SLAB_RECLAIMABLE, lru: null };
const KERNEL: AllocKind = { kind: PageKind.KERNEL, lru: null };

export function allocKind(migratetype: number, gfp: number): AllocKind {
  const mt = migratetype >= 0 ? migratetype : Math.max(0, gfpMigratetype(gfp));
  if (mt === MIGRATE_MOVABLE) {
    if (gfp & __GFP_ZERO || (gfp & (__GFP_COMP | __GFP_NOMEMALLOC)) === (__GFP_COMP | __GFP_NOMEMALLOC)) return ANON;
    return gfp & __GFP_WRITE ? FILE_DIRTY : FILE_CLEAN;
  }
  if (mt === MIGRATE_RECLAIMABLE) return SLAB;
  return KERNEL;
}
