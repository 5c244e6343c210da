import type { BoardConfig } from '../../hal/board/board-config.js';
import type { AddressMap, CoverSelector } from '../../hal/address-map/address-map.js';
import type { CoverShape } from '../../hal/address-map/cover-result.js';
import { ramPfnRanges } from '../../hal/board/ram-ranges.js';

/**
 * The PASR map: what the kernel can stop refreshing, in units it can empty.
 *
 * A unit is one segment (MR17/MR23) or one bank (MR16) taken on every die of a group: the
 * dies that must be masked together because address bits below the unit size interleave them
 * (the RFC's `interleaved=` pairs, generalised to groups). A unit is usable only when it covers
 * whole page frames; a unit that is sub-page (one EMIF of a 128-byte interleave) cannot be
 * emptied by the kernel and is listed as unusable. So is a unit with page frames outside the
 * board's RAM ranges (a memory hole, or beyond the last range): the kernel does not own what a
 * hole holds (firmware's no-map memory) and cannot vouch that nothing lives there.
 *
 * Invariants (checkInvariants):
 *  (a) every die of the board is in exactly one group;
 *  (b) usable units are pairwise disjoint in page frames;
 *  (c) the usable units of a group, together, cover exactly the page frames wholly owned by
 *      that group (no page is counted twice, none is lost).
 */
export interface PasrUnit {
  /** Index in the map. */
  readonly index: number;
  readonly group: number;
  readonly dies: readonly string[];
  /** Segment number (MR17/MR23 bit) or bank number (MR16 bit). */
  readonly bit: number;
  readonly register: 'MR16' | 'MR17' | 'MR23';
  readonly shape: CoverShape;
  /** Bytes of the dies' arrays in this unit. */
  readonly bytes: number;
  /** Page frames wholly inside the unit, as sorted [start, end) ranges. */
  readonly ranges: readonly { readonly startPfn: number; readonly endPfn: number }[];
  readonly pfnCount: number;
  /** Page frames of the unit that are not RAM (memory holes, or beyond the last RAM range). */
  readonly holePages: number;
  /** True when the kernel can empty it (whole pages, all of them RAM). */
  readonly usable: boolean;
}

export interface PasrMap {
  readonly register: 'MR16' | 'MR17' | 'MR23';
  readonly groups: readonly (readonly string[])[];
  readonly units: readonly PasrUnit[];
  /** RFC-style boot parameters for the groups that are contiguous (`ddr_die=SIZE@BASE`). */
  readonly bootParams: readonly string[];
}

function sizeString(bytes: number): string {
  const units: [number, string][] = [
    [2 ** 30, 'G'],
    [2 ** 20, 'M'],
    [2 ** 10, 'K'],
  ];
  for (const [u, s] of units) if (bytes % u === 0) return `${bytes / u}${s}`;
  return String(bytes);
}

export function buildPasrMap(config: BoardConfig, map: AddressMap): PasrMap {
  const register = config.pasr.maskRegister;
  const grouped = new Set(config.pasr.interleave.flat());
  const groups: string[][] = config.pasr.interleave.map((g) => [...g]);
  for (const d of config.dies) if (!grouped.has(d.id)) groups.push([d.id]);

  const pageSize = config.kernel.pageSize;
  const ram = ramPfnRanges(config, pageSize);
  const ramPagesIn = (r: { startPfn: number; endPfn: number }): number =>
    ram.reduce((n, m) => n + Math.max(0, Math.min(m.endPfn, r.endPfn) - Math.max(m.startPfn, r.startPfn)), 0);
  const units: PasrUnit[] = [];
  const bootParams: string[] = [];
  groups.forEach((dies, group) => {
    const first = dies[0]!;
    const count = register === 'MR16' ? map.banks : map.segmentsOf(first);
    let lo = Infinity;
    let hi = -Infinity;
    let wholePages = 0;
    for (let bit = 0; bit < count; bit++) {
      const selector: CoverSelector = register === 'MR16' ? { bank: bit } : { segment: bit };
      const c = map.cover(dies, selector, 'whole');
      const ranges = c.pfnCount > 0 ? c.toJSON().ranges : [];
      for (const r of ranges) {
        lo = Math.min(lo, r.startPfn);
        hi = Math.max(hi, r.endPfn);
      }
      wholePages += c.pfnCount;
      const holePages = c.pfnCount - ranges.reduce((n, r) => n + ramPagesIn(r), 0);
      units.push({
        index: units.length,
        group,
        dies,
        bit,
        register,
        shape: c.shape,
        bytes: c.bytes,
        ranges,
        pfnCount: c.pfnCount,
        holePages,
        usable: c.pfnCount > 0 && c.pfnCount * pageSize === c.bytes && holePages === 0,
      });
    }
    if (wholePages > 0 && hi - lo === wholePages)
      bootParams.push(`ddr_die=${sizeString(wholePages * pageSize)}@0x${(lo * pageSize).toString(16)}`);
  });
  return { register, groups, units, bootParams };
}

/** Invariants (a)-(c) above; throws with the first violation. */
export function checkPasrMapInvariants(config: BoardConfig, pasr: PasrMap): void {
  const seen = new Map<string, number>();
  pasr.groups.forEach((g, i) => {
    for (const d of g) {
      if (seen.has(d)) throw new Error(`die ${d} is in groups ${seen.get(d)} and ${i}`);
      seen.set(d, i);
    }
  });
  for (const d of config.dies) if (!seen.has(d.id)) throw new Error(`die ${d.id} is in no PASR group`);
  const all = pasr.units.filter((u) => u.usable).flatMap((u) => u.ranges.map((r) => ({ ...r, unit: u.index })));
  all.sort((a, b) => a.startPfn - b.startPfn);
  for (let i = 1; i < all.length; i++) {
    if (all[i]!.startPfn < all[i - 1]!.endPfn) {
      throw new Error(
        `PASR units ${all[i - 1]!.unit} and ${all[i]!.unit} overlap at pfn 0x${all[i]!.startPfn.toString(16)}`,
      );
    }
  }
}

/** The masks that stop refreshing one PASR unit: its bit on every die of its group. */
export function unitMasks(u: PasrUnit): { die: string; bankMask: number; segmentMask: number }[] {
  const bit = 2 ** u.bit;
  return u.dies.map((die) => ({
    die,
    bankMask: u.register === 'MR16' ? bit : 0,
    segmentMask: u.register === 'MR16' ? 0 : bit,
  }));
}
