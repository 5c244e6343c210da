import type { RamRange } from './iomem.js';
import type { PfnRange } from './kpageflags.js';

/**
 * The machine's RAM laid end to end: the whole page frames of iomem's System RAM ranges, in
 * address order, numbered 0..pages-1 with the holes between them left out (the PCI hole below
 * 4 GiB on x86, the legacy area below 1 MiB). This is the DRAM as its array sees it: the memory
 * controller places the RAM behind a hole above it, so offset k in this numbering is offset k of
 * the DRAM, give or take the sub-MiB legacy holes.
 *
 * A range's partial pages at either end are not RAM (memblock trims them as the kernel does).
 *
 * Invariants (checkInvariants): ranges ascend and do not touch; ramStart of each range is the
 * sum of the pages before it; pages is their total.
 */
export interface LaidRange extends PfnRange {
  /** Index of startPfn in the laid-out RAM. */
  readonly ramStart: number;
}

export class RamLayout {
  readonly ranges: readonly LaidRange[];
  readonly pages: number;
  /** One past the highest RAM pfn. */
  readonly endPfn: number;

  constructor(
    ram: readonly RamRange[],
    readonly pageSize: number,
  ) {
    const out: LaidRange[] = [];
    let n = 0;
    for (const r of ram) {
      const startPfn = Math.ceil(r.start / pageSize);
      const endPfn = Math.floor(r.end / pageSize);
      if (endPfn <= startPfn) continue;
      const last = out[out.length - 1];
      if (last && last.endPfn === startPfn) {
        out[out.length - 1] = { ...last, endPfn };
      } else out.push({ startPfn, endPfn, ramStart: n });
      n += endPfn - startPfn;
    }
    this.ranges = out;
    this.pages = n;
    this.endPfn = out.length > 0 ? out[out.length - 1]!.endPfn : 0;
  }

  /** The pfn ranges of the laid-out RAM pages [from, to). */
  pfnRanges(from: number, to: number): PfnRange[] {
    const out: PfnRange[] = [];
    for (const r of this.ranges) {
      const a = Math.max(from, r.ramStart);
      const b = Math.min(to, r.ramStart + r.endPfn - r.startPfn);
      if (a < b) out.push({ startPfn: r.startPfn + a - r.ramStart, endPfn: r.startPfn + b - r.ramStart });
    }
    return out;
  }

  checkInvariants(): void {
    let n = 0;
    this.ranges.forEach((r, i) => {
      if (!(r.startPfn < r.endPfn)) throw new Error(`RAM range ${i} is empty or reversed`);
      if (i > 0 && !(this.ranges[i - 1]!.endPfn < r.startPfn))
        throw new Error(`RAM ranges ${i - 1} and ${i} overlap or touch`);
      if (r.ramStart !== n) throw new Error(`RAM range ${i} starts at index ${r.ramStart}, not ${n}`);
      n += r.endPfn - r.startPfn;
    });
    if (n !== this.pages) throw new Error(`RAM pages ${this.pages} differ from the ranges' ${n}`);
  }
}

/**
 * Where a board's page frames [from, to) (relative to its DRAM base) fall in a machine's RAM laid
 * end to end, when the machine's `machinePages` are stretched (or squeezed) in order onto the
 * board's `boardPages`: machine page m sits on board page floor(m * boardPages / machinePages).
 * Board pages [from, to) thus hold machine pages [ceil(from * M / B), ceil(to * M / B)): a
 * partition, every machine page on exactly one board page, each board unit holding the share of
 * the machine's RAM it holds of the board's DRAM.
 */
export function boardToMachine(
  from: number,
  to: number,
  boardPages: number,
  machinePages: number,
): { from: number; to: number } {
  const M = BigInt(machinePages);
  const B = BigInt(boardPages);
  const up = (x: number): number => Number((BigInt(x) * M + B - 1n) / B);
  return { from: up(from), to: up(to) };
}
