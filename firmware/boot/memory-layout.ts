import type { BoardConfig } from '../../hal/board/board-config.js';
import { ramPfnRanges } from '../../hal/board/ram-ranges.js';
import type { MemoryLayout, ZoneName } from '../mm/layout.js';

/**
 * memblock: the board's RAM ranges, reserved ranges, CMA areas and zones, in page frames, as the
 * mm core takes them. The node spans its RAM: from the first whole page of the first range to
 * the end of the last (the holes between ranges are part of the span, not of any range).
 * Reserved ranges are widened to whole pages (memblock_reserve of a partial page reserves the
 * page) and clipped to the node; zones follow the board's zone ends, clamped to the node (as
 * zone_spanned_pages_in_node() clamps them), and ZONE_MOVABLE spans the top `movableBytes` of
 * the node (movablecore=), as find_zone_movable_pfns_for_nodes() does on a single node. (Linux
 * counts movablecore in present pages; here it is the span below the end of RAM, holes included,
 * so the board's zone ends stay plain addresses.)
 */
export function memoryLayoutOf(board: BoardConfig): MemoryLayout {
  const k = board.kernel;
  const page = k.pageSize;
  const ranges = ramPfnRanges(board, page);
  const startPfn = ranges[0]!.startPfn;
  const endPfn = ranges[ranges.length - 1]!.endPfn;
  const pb = 2 ** k.pageblockOrder;
  const movablePages = Math.floor(k.movableBytes / page / pb) * pb;
  const movableStart = endPfn - movablePages;

  const zones: { name: ZoneName; startPfn: number; endPfn: number }[] = [];
  let at = startPfn;
  for (const z of k.zones) {
    const end = Math.min(Math.ceil(z.end / page), movableStart);
    if (end > at) {
      zones.push({ name: z.name, startPfn: at, endPfn: end });
      at = end;
    }
  }
  // The last configured zone extends to the movable zone (or the end of memory).
  if (at < movableStart) {
    const last = zones.at(-1);
    if (last) last.endPfn = movableStart;
    else zones.push({ name: 'Normal', startPfn: at, endPfn: movableStart });
    at = movableStart;
  }
  if (movablePages > 0 && movableStart < endPfn) zones.push({ name: 'Movable', startPfn: movableStart, endPfn });

  const toPfns = (r: { name: string; base: number; size: number }) => ({
    name: r.name,
    startPfn: Math.max(startPfn, Math.floor(r.base / page)),
    endPfn: Math.min(endPfn, Math.ceil((r.base + r.size) / page)),
  });
  const layout: MemoryLayout = {
    pageShift: Math.round(Math.log2(page)),
    startPfn,
    nrPages: endPfn - startPfn,
    zones,
    reserved: board.reserved.map(toPfns).filter((r) => r.endPfn > r.startPfn),
    maxOrder: k.maxOrder,
    pageblockOrder: k.pageblockOrder,
    cma: k.cma.map(toPfns),
    swapPages: Math.floor(k.swapBytes / page),
    nrCpus: k.nrCpus,
  };
  if (board.ranges) layout.ranges = ranges;
  if (k.minFreeKbytes !== undefined) layout.minFreeKbytes = k.minFreeKbytes;
  if (k.watermarkScaleFactor !== undefined) layout.watermarkScaleFactor = k.watermarkScaleFactor;
  if (k.thp) layout.thp = true;
  return layout;
}
