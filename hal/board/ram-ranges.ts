/**
 * The RAM of a board as the kernel sees it: `dram.ranges` (the System RAM ranges of
 * /proc/iomem, memblock.memory), or the whole DRAM window when the config gives none. What lies
 * in the window between ranges is a memory hole: DRAM the kernel does not map (firmware carve-outs
 * marked no-map, addresses a chipset remaps, as the PCI hole below 4 GiB on x86).
 *
 * In page frames a range covers only its whole pages: [ceil(base / page), floor(end / page)), as
 * for_each_mem_pfn_range() reads memblock.memory.
 */
import type { BoardConfig } from './board-config.js';

export interface RamRange {
  /** Absolute physical address of the first byte. */
  readonly base: number;
  readonly size: number;
}

/** The board's RAM ranges in address order (the DRAM window when `dram.ranges` is absent). */
export function ramRangesOf(board: Pick<BoardConfig, 'dramBase' | 'dramSize' | 'ranges'>): readonly RamRange[] {
  return board.ranges ?? [{ base: board.dramBase, size: board.dramSize }];
}

/** The RAM ranges as page frames [startPfn, endPfn), without ranges that hold no whole page. */
export function ramPfnRanges(
  board: Pick<BoardConfig, 'dramBase' | 'dramSize' | 'ranges'>,
  pageSize: number,
): { startPfn: number; endPfn: number }[] {
  return ramRangesOf(board)
    .map((r) => ({ startPfn: Math.ceil(r.base / pageSize), endPfn: Math.floor((r.base + r.size) / pageSize) }))
    .filter((r) => r.endPfn > r.startPfn);
}

/** Bytes of RAM (the sum of the ranges). */
export function ramBytes(board: Pick<BoardConfig, 'dramBase' | 'dramSize' | 'ranges'>): number {
  return ramRangesOf(board).reduce((s, r) => s + r.size, 0);
}
