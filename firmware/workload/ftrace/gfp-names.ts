/**
 * The gfp_flags field of a kmem trace event, as the kernel prints it (show_gfp_flags() of
 * include/trace/events/mmflags.h: the composite GFP_* names first, then the remaining __GFP_*
 * bits, joined by `|`; `none` for 0; bits it has no name for as one hex number), turned into the
 * model's gfp bits (firmware/mm/gfp.ts, Linux names, the model's own bit positions).
 *
 * Names of older kernels are read too (__GFP_WAIT, __GFP_REPEAT, GFP_TEMPORARY, GFP_IOFS,
 * GFP_THISNODE). Names the model has no behaviour for (__GFP_ZEROTAGS, __GFP_NO_OBJ_EXT, the
 * KASAN and lockdep bits, __GFP_COLD, __GFP_NOTRACK, ...) are known and add no bit. Anything
 * else, a hex remainder included, is unknown: it adds no bit and is counted.
 */
import {
  __GFP_ACCOUNT,
  __GFP_COMP,
  __GFP_DIRECT_RECLAIM,
  __GFP_DMA,
  __GFP_DMA32,
  __GFP_FS,
  __GFP_HARDWALL,
  __GFP_HIGH,
  __GFP_HIGHMEM,
  __GFP_IO,
  __GFP_KSWAPD_RECLAIM,
  __GFP_MEMALLOC,
  __GFP_MOVABLE,
  __GFP_NOFAIL,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RECLAIM,
  __GFP_RECLAIMABLE,
  __GFP_RETRY_MAYFAIL,
  __GFP_THISNODE,
  __GFP_WRITE,
  __GFP_ZERO,
  GFP_ATOMIC,
  GFP_DMA,
  GFP_DMA32,
  GFP_HIGHUSER,
  GFP_HIGHUSER_MOVABLE,
  GFP_KERNEL,
  GFP_KERNEL_ACCOUNT,
  GFP_NOFS,
  GFP_NOIO,
  GFP_NOWAIT,
  GFP_TRANSHUGE,
  GFP_TRANSHUGE_LIGHT,
  GFP_USER,
} from '../../mm/gfp.js';

/** Every name show_gfp_flags() prints (v6.18 and older kernels), with its bits in the model. */
const GFP_NAMES: ReadonlyMap<string, number> = new Map<string, number>([
  ['none', 0],
  ['GFP_TRANSHUGE', GFP_TRANSHUGE],
  ['GFP_TRANSHUGE_LIGHT', GFP_TRANSHUGE_LIGHT],
  ['GFP_HIGHUSER_MOVABLE', GFP_HIGHUSER_MOVABLE],
  ['GFP_HIGHUSER', GFP_HIGHUSER],
  ['GFP_USER', GFP_USER],
  ['GFP_KERNEL_ACCOUNT', GFP_KERNEL_ACCOUNT],
  ['GFP_KERNEL', GFP_KERNEL],
  ['GFP_NOFS', GFP_NOFS],
  ['GFP_ATOMIC', GFP_ATOMIC],
  ['GFP_NOIO', GFP_NOIO],
  ['GFP_NOWAIT', GFP_NOWAIT],
  ['GFP_DMA', GFP_DMA],
  ['GFP_DMA32', GFP_DMA32],
  ['__GFP_RECLAIM', __GFP_RECLAIM],
  ['__GFP_DMA', __GFP_DMA],
  ['__GFP_HIGHMEM', __GFP_HIGHMEM],
  ['__GFP_DMA32', __GFP_DMA32],
  ['__GFP_MOVABLE', __GFP_MOVABLE],
  ['__GFP_RECLAIMABLE', __GFP_RECLAIMABLE],
  ['__GFP_HIGH', __GFP_HIGH],
  ['__GFP_IO', __GFP_IO],
  ['__GFP_FS', __GFP_FS],
  ['__GFP_ZERO', __GFP_ZERO],
  ['__GFP_DIRECT_RECLAIM', __GFP_DIRECT_RECLAIM],
  ['__GFP_KSWAPD_RECLAIM', __GFP_KSWAPD_RECLAIM],
  ['__GFP_WRITE', __GFP_WRITE],
  ['__GFP_NOWARN', __GFP_NOWARN],
  ['__GFP_RETRY_MAYFAIL', __GFP_RETRY_MAYFAIL],
  ['__GFP_NOFAIL', __GFP_NOFAIL],
  ['__GFP_NORETRY', __GFP_NORETRY],
  ['__GFP_MEMALLOC', __GFP_MEMALLOC],
  ['__GFP_COMP', __GFP_COMP],
  ['__GFP_NOMEMALLOC', __GFP_NOMEMALLOC],
  ['__GFP_HARDWALL', __GFP_HARDWALL],
  ['__GFP_THISNODE', __GFP_THISNODE],
  ['__GFP_ACCOUNT', __GFP_ACCOUNT],
  // Known, without behaviour in the model.
  ['__GFP_ZEROTAGS', 0],
  ['__GFP_NO_OBJ_EXT', 0],
  ['__GFP_SKIP_ZERO', 0],
  ['__GFP_SKIP_KASAN', 0],
  ['__GFP_SKIP_KASAN_POISON', 0],
  ['__GFP_SKIP_KASAN_UNPOISON', 0],
  ['__GFP_NOLOCKDEP', 0],
  ['__GFP_NOTRACK', 0],
  ['__GFP_NOTRACK_FALSE_POSITIVE', 0],
  ['__GFP_COLD', 0],
  ['__GFP_OTHER_NODE', 0],
  ['__GFP_ATOMIC', 0],
  ['__GFP_NOACCOUNT', 0],
  ['__GFP_NO_KSWAPD', 0],
  // Older kernels' names.
  ['__GFP_WAIT', __GFP_DIRECT_RECLAIM],
  ['__GFP_REPEAT', __GFP_RETRY_MAYFAIL],
  ['GFP_TEMPORARY', GFP_KERNEL | __GFP_RECLAIMABLE],
  ['GFP_IOFS', __GFP_IO | __GFP_FS],
  ['GFP_THISNODE', __GFP_THISNODE | __GFP_NOWARN | __GFP_NORETRY],
]);

/** A gfp_flags field read: the model's bits, and whether a name in it was not known. */
export interface GfpField {
  readonly gfp: number;
  readonly unknown: boolean;
}

/** Parse a printed gfp_flags value (`GFP_KERNEL|__GFP_ZERO`). */
export function parseGfpNames(text: string): GfpField {
  let gfp = 0;
  let unknown = text.length === 0;
  for (const name of text.split('|')) {
    const bits = GFP_NAMES.get(name);
    if (bits === undefined) unknown = true;
    else gfp |= bits;
  }
  return { gfp, unknown };
}
