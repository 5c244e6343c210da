/**
 * GFP flags (include/linux/gfp_types.h) and the allocator-internal ALLOC_* flags
 * (mm/internal.h), with Linux names and the bit positions of the v6.x enum. Only the bits the
 * model acts on have behaviour; the others are accepted and ignored.
 */
import { ZONE_DMA, ZONE_DMA32, ZONE_MOVABLE, ZONE_NORMAL } from './layout.js';
import { MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, type MIGRATE_UNMOVABLE } from './migratetype.js';

export const __GFP_DMA = 0x01;
export const __GFP_HIGHMEM = 0x02;
export const __GFP_DMA32 = 0x04;
export const __GFP_MOVABLE = 0x08;
export const __GFP_RECLAIMABLE = 0x10;
export const __GFP_HIGH = 0x20;
export const __GFP_IO = 0x40;
export const __GFP_FS = 0x80;
export const __GFP_ZERO = 0x100;
export const __GFP_DIRECT_RECLAIM = 0x400;
export const __GFP_KSWAPD_RECLAIM = 0x800;
export const __GFP_WRITE = 0x1000;
export const __GFP_NOWARN = 0x2000;
export const __GFP_RETRY_MAYFAIL = 0x4000;
export const __GFP_NOFAIL = 0x8000;
export const __GFP_NORETRY = 0x10000;
export const __GFP_MEMALLOC = 0x20000;
export const __GFP_COMP = 0x40000;
export const __GFP_NOMEMALLOC = 0x80000;
export const __GFP_HARDWALL = 0x100000;
export const __GFP_THISNODE = 0x200000;
export const __GFP_ACCOUNT = 0x400000;

export const __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;
export const GFP_ZONEMASK = __GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE;
export const GFP_MOVABLE_MASK = __GFP_RECLAIMABLE | __GFP_MOVABLE;
export const GFP_MOVABLE_SHIFT = 3;

export const GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM;
export const GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
export const GFP_KERNEL_ACCOUNT = GFP_KERNEL | __GFP_ACCOUNT;
export const GFP_NOWAIT = __GFP_KSWAPD_RECLAIM | __GFP_NOWARN;
export const GFP_NOIO = __GFP_RECLAIM;
export const GFP_NOFS = __GFP_RECLAIM | __GFP_IO;
export const GFP_USER = __GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL;
export const GFP_DMA = __GFP_DMA;
export const GFP_DMA32 = __GFP_DMA32;
export const GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM;
export const GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | __GFP_MOVABLE;
export const GFP_TRANSHUGE_LIGHT =
  (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM;
export const GFP_TRANSHUGE = GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM;

/** Watermark indices (enum zone_watermarks). */
export const WMARK_MIN = 0;
export const WMARK_LOW = 1;
export const WMARK_HIGH = 2;
export const WMARK_PROMO = 3;

/** ALLOC_* flags of mm/internal.h. The low bits select the watermark. */
export const ALLOC_WMARK_MIN = WMARK_MIN;
export const ALLOC_WMARK_LOW = WMARK_LOW;
export const ALLOC_WMARK_HIGH = WMARK_HIGH;
export const ALLOC_NO_WATERMARKS = 0x04;
export const ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1;
export const ALLOC_OOM = 0x08;
export const ALLOC_NON_BLOCK = 0x10;
export const ALLOC_MIN_RESERVE = 0x20;
export const ALLOC_CPUSET = 0x40;
export const ALLOC_CMA = 0x80;
export const ALLOC_NOFRAGMENT = 0x100;
export const ALLOC_HIGHATOMIC = 0x200;
export const ALLOC_KSWAPD = 0x800; // == __GFP_KSWAPD_RECLAIM, as in Linux
export const ALLOC_RESERVES = ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM;

/**
 * gfp_zone(): the highest zone an allocation may use (GFP_ZONE_TABLE). Returns -1 for the
 * combinations Linux calls BAD. __GFP_HIGHMEM means ZONE_NORMAL on 64-bit; ZONE_MOVABLE needs
 * __GFP_MOVABLE and __GFP_HIGHMEM together. Zones the layout lacks are configured but empty.
 */
export function gfpZone(gfp: number): number {
  switch (gfp & GFP_ZONEMASK) {
    case 0x0:
    case 0x2:
    case 0x8:
      return ZONE_NORMAL;
    case 0x1:
    case 0x9:
      return ZONE_DMA;
    case 0x4:
    case 0xc:
      return ZONE_DMA32;
    case 0xa:
      return ZONE_MOVABLE;
    default:
      return -1;
  }
}

/**
 * gfp_zone() and gfp_migratetype() of the low 5 gfp bits in one table:
 * (migratetype << 4) | highest zone, or -1 for a BAD combination.
 */
export const GFP_DECODE: Int8Array = Int8Array.from({ length: 32 }, (_, bits) => {
  const zone = gfpZone(bits);
  const mt = gfpMigratetype(bits);
  return zone < 0 || mt < 0 ? -1 : (mt << 4) | zone;
});

/** gfp_migratetype(): MOVABLE, RECLAIMABLE or UNMOVABLE; -1 when both mobility bits are set. */
export function gfpMigratetype(gfp: number): number {
  const mt = (gfp & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT;
  return mt === 3 ? -1 : mt;
}

/** Build gfp flags from a description (for callers that do not think in gfp bits). */
export function gfpFor(opts: {
  migratetype?: typeof MIGRATE_UNMOVABLE | typeof MIGRATE_MOVABLE | typeof MIGRATE_RECLAIMABLE;
  highestZone?: 'DMA' | 'DMA32' | 'Normal' | 'Movable';
  atomic?: boolean;
}): number {
  let gfp = opts.atomic ? GFP_ATOMIC : GFP_KERNEL;
  if (opts.migratetype === MIGRATE_MOVABLE) gfp |= __GFP_MOVABLE;
  else if (opts.migratetype === MIGRATE_RECLAIMABLE) gfp |= __GFP_RECLAIMABLE;
  switch (opts.highestZone) {
    case 'DMA':
      gfp |= __GFP_DMA;
      break;
    case 'DMA32':
      gfp |= __GFP_DMA32;
      break;
    case 'Movable':
      if (opts.migratetype !== MIGRATE_MOVABLE) throw new Error('gfpFor: ZONE_MOVABLE is only for movable allocations');
      gfp |= __GFP_HIGHMEM;
      break;
    default:
      break;
  }
  return gfp;
}
