import type { BoardConfig } from '../../hal/board/board-config.js';
import type { MemoryLayout, ZoneName } from '../mm/layout.js';

/**
 * memblock: the board's DRAM, reserved ranges, CMA areas and zones, in page frames, as the
 * mm core takes them. Reserved ranges are widened to whole pages (memblock_reserve of a
 * partial page reserves the page); zones follow the board's zone ends, and ZONE_MOVABLE takes
 * `movableBytes` from the top of memory (movablecore=), as find_zone_movable_pfns_for_nodes()
 * does on a single node.
 */
export function memoryLayoutOf(board: BoardConfig): MemoryLayout {
  const k = board.kernel;
  const page = k.pageSize;
  const startPfn = board.dramBase / page;
  const nrPages = board.dramSize / page;
  const endPfn = startPfn + nrPages;
  const movablePages = Math.floor(k.movableBytes / page / 2 ** k.pageblockOrder) * 2 ** k.pageblockOrder;
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
  // The last configured zone extends to the movable zone (or the end of DRAM).
  if (at < movableStart) {
    const last = zones.at(-1);
    if (last) last.endPfn = movableStart;
    else zones.push({ name: 'Normal', startPfn: at, endPfn: movableStart });
    at = movableStart;
  }
  if (movablePages > 0) zones.push({ name: 'Movable', startPfn: movableStart, endPfn });

  const toPfns = (r: { name: string; base: number; size: number }) => ({
    name: r.name,
    startPfn: Math.floor(r.base / page),
    endPfn: Math.ceil((r.base + r.size) / page),
  });
  const layout: MemoryLayout = {
    pageShift: Math.round(Math.log2(page)),
    startPfn,
    nrPages,
    zones,
    reserved: board.reserved.map(toPfns),
    maxOrder: k.maxOrder,
    pageblockOrder: k.pageblockOrder,
    cma: k.cma.map(toPfns),
    swapPages: Math.floor(k.swapBytes / page),
    nrCpus: k.nrCpus,
  };
  if (k.minFreeKbytes !== undefined) layout.minFreeKbytes = k.minFreeKbytes;
  if (k.watermarkScaleFactor !== undefined) layout.watermarkScaleFactor = k.watermarkScaleFactor;
  return layout;
}
