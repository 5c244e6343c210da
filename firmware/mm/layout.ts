import { hex } from '../../hal/bits.js';
/**
 * The memory layout the boot code hands to the mm core: the node's span cut into zones, the
 * RAM ranges inside it (memblock.memory; what lies between them is a hole), memblock-reserved
 * ranges and CMA areas. All ranges are in page frame numbers, end exclusive.
 *
 * Invariants enforced by validateLayout():
 *  (a) the node spans [startPfn, startPfn + nrPages) and every pfn fits in a signed 32-bit
 *      integer, so buddy arithmetic (pfn ^ (1 << order)) can use JS bitwise operators;
 *  (b) zones are ordered DMA < DMA32 < Normal < Movable, each non-empty, contiguous (no gap, no
 *      overlap) and together cover exactly the node's span (a zone may span only holes);
 *  (c) reserved ranges and CMA areas lie inside the span and do not overlap one another
 *      (reserved ranges may cover holes, as memblock_reserve() may);
 *  (d) CMA areas are pageblock-aligned (CMA_MIN_ALIGNMENT_PAGES = pageblock_nr_pages), lie in
 *      one zone and inside one RAM range;
 *  (e) 0 <= pageblockOrder <= maxOrder <= MAX_SUPPORTED_ORDER, and maxOrder <= sectionOrder (a
 *      buddy block never crosses a memory section, as SPARSEMEM requires);
 *  (f) RAM ranges are sorted, do not overlap, and the first starts at startPfn and the last ends
 *      at the end of the span (the node spans its memory).
 */

export const ZONE_NAMES = ['DMA', 'DMA32', 'Normal', 'Movable'] as const;
export type ZoneName = (typeof ZONE_NAMES)[number];

/** zone_idx() of each zone type, as in enum zone_type (ZONE_DEVICE is not modelled). */
export const ZONE_DMA = 0;
export const ZONE_DMA32 = 1;
export const ZONE_NORMAL = 2;
export const ZONE_MOVABLE = 3;
export const MAX_NR_ZONES = 4;

/** Largest MAX_PAGE_ORDER the model accepts (order fields are 8-bit, free-area tables are small). */
export const MAX_SUPPORTED_ORDER = 20;

export interface PfnRange {
  startPfn: number;
  endPfn: number;
}

export interface MemoryLayout {
  /** 12 for 4 KiB pages. */
  pageShift: number;
  /** First pfn of the node (of its first RAM range); may be above 2^20 (e.g. 0x80000). */
  startPfn: number;
  /** Pages the node spans, holes included (up to 16 M pages = 64 GiB with 4 KiB pages). */
  nrPages: number;
  /**
   * RAM ranges (memblock.memory), sorted; page frames of the span outside them are holes: not
   * present, never freed, reserved frames in the memmap. Default: one range, the whole span.
   */
  ranges?: PfnRange[];
  /**
   * SECTION_SIZE_BITS - PAGE_SHIFT: memory sections of 2^sectionOrder pages. pfn_valid() is
   * false in a section without RAM (SPARSEMEM has no memmap there). Default 27 - pageShift
   * (128 MiB sections, x86-64 and arm64 with 4 KiB pages), at least maxOrder.
   */
  sectionOrder?: number;
  /**
   * Transparent huge pages enabled ("always" or "madvise"): khugepaged raises min_free_kbytes
   * to set_recommended_min_free_kbytes() at boot and whenever watermarks are recomputed.
   */
  thp?: boolean;
  /** endPfn exclusive, ordered, contiguous. */
  zones: { name: ZoneName; startPfn: number; endPfn: number }[];
  /** memblock reserved (firmware, kernel image, carve-outs). */
  reserved: { name: string; startPfn: number; endPfn: number }[];
  /** MAX_PAGE_ORDER, inclusive (Linux default 10). */
  maxOrder: number;
  /** pageblock_order, <= maxOrder. */
  pageblockOrder: number;
  /** CMA areas (their pageblocks start as MIGRATE_CMA). */
  cma: { name: string; startPfn: number; endPfn: number }[];
  /** 0 = no swap. */
  swapPages: number;
  /** For per-cpu page lists. */
  nrCpus: number;
  /** Default: Linux's formula from the lowmem size (calculate_min_free_kbytes). */
  minFreeKbytes?: number;
  /** Default 10 (0.1 % of a zone between watermarks). */
  watermarkScaleFactor?: number;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const rng = (r: PfnRange): string => `[${hex(r.startPfn, 1)}, ${hex(r.endPfn, 1)})`;

/**
 * Check a layout and return every problem found, each as a sentence naming the field
 * (e.g. "zones[1] (DMA32): ..."). An empty array means the layout is usable.
 */
export function validateLayout(layout: MemoryLayout): string[] {
  const errors: string[] = [];
  const l = layout as Partial<MemoryLayout> | null | undefined;
  if (l === null || typeof l !== 'object') return ['layout: expected an object'];

  if (!isInt(l.pageShift) || l.pageShift < 10 || l.pageShift > 16) {
    errors.push(`pageShift: ${String(l.pageShift)} is not an integer in [10, 16] (12 = 4 KiB pages)`);
  }
  const startOk = isInt(l.startPfn) && l.startPfn >= 0;
  if (!startOk) errors.push(`startPfn: ${String(l.startPfn)} is not a non-negative integer`);
  const nrOk = isInt(l.nrPages) && l.nrPages > 0;
  if (!nrOk) errors.push(`nrPages: ${String(l.nrPages)} is not a positive integer`);
  if (startOk && nrOk && l.startPfn! + l.nrPages! > 0x7fffffff) {
    errors.push(
      `startPfn + nrPages = ${hex(l.startPfn! + l.nrPages!, 1)} exceeds 0x7fffffff: pfns must fit in 31 bits`,
    );
  }
  const maxOk = isInt(l.maxOrder) && l.maxOrder >= 0 && l.maxOrder <= MAX_SUPPORTED_ORDER;
  if (!maxOk) errors.push(`maxOrder: ${String(l.maxOrder)} is not an integer in [0, ${MAX_SUPPORTED_ORDER}]`);
  const pbOk = isInt(l.pageblockOrder) && l.pageblockOrder >= 0 && (!maxOk || l.pageblockOrder <= l.maxOrder!);
  if (!pbOk)
    errors.push(`pageblockOrder: ${String(l.pageblockOrder)} is not an integer in [0, maxOrder=${String(l.maxOrder)}]`);
  if (!isInt(l.swapPages) || l.swapPages < 0)
    errors.push(`swapPages: ${String(l.swapPages)} is not a non-negative integer`);
  if (!isInt(l.nrCpus) || l.nrCpus < 1 || l.nrCpus > 1024)
    errors.push(`nrCpus: ${String(l.nrCpus)} is not an integer in [1, 1024]`);
  if (l.minFreeKbytes !== undefined && (!isInt(l.minFreeKbytes) || l.minFreeKbytes < 0)) {
    errors.push(`minFreeKbytes: ${String(l.minFreeKbytes)} is not a non-negative integer`);
  }
  if (
    l.watermarkScaleFactor !== undefined &&
    (!isInt(l.watermarkScaleFactor) || l.watermarkScaleFactor < 1 || l.watermarkScaleFactor > 3000)
  ) {
    errors.push(
      `watermarkScaleFactor: ${String(l.watermarkScaleFactor)} is not an integer in [1, 3000] (the sysctl's range)`,
    );
  }
  if (l.sectionOrder !== undefined) {
    const so = l.sectionOrder;
    if (!isInt(so) || so < 0 || so > 30) errors.push(`sectionOrder: ${String(so)} is not an integer in [0, 30]`);
    else if (maxOk && so < l.maxOrder!)
      errors.push(`sectionOrder: ${so} is below maxOrder ${l.maxOrder}: a buddy block would cross a memory section`);
  }
  if (l.thp !== undefined && typeof l.thp !== 'boolean') errors.push(`thp: ${String(l.thp)} is not a boolean`);
  if (!startOk || !nrOk) return errors;

  const dramStart = l.startPfn!;
  const dramEnd = dramStart + l.nrPages!;
  const dram = `DRAM [${hex(dramStart, 1)}, ${hex(dramEnd, 1)})`;
  const rangeErr = (where: string, r: unknown): string | null => {
    const x = r as Partial<PfnRange> | null;
    if (x === null || typeof x !== 'object') return `${where}: expected an object with startPfn and endPfn`;
    if (!isInt(x.startPfn) || !isInt(x.endPfn))
      return `${where}: startPfn/endPfn must be integers (got ${String(x.startPfn)}, ${String(x.endPfn)})`;
    if (x.endPfn <= x.startPfn) return `${where}: empty or inverted range ${rng(x as PfnRange)}`;
    if (x.startPfn < dramStart || x.endPfn > dramEnd) return `${where}: range ${rng(x as PfnRange)} is outside ${dram}`;
    return null;
  };

  // (f) RAM ranges
  const ramRanges: PfnRange[] = [];
  if (l.ranges !== undefined) {
    if (!Array.isArray(l.ranges) || l.ranges.length === 0) {
      errors.push('ranges: expected a non-empty array of RAM ranges');
    } else {
      let prevEnd = -1;
      l.ranges.forEach((r, i) => {
        const where = `ranges[${i}]`;
        const e = rangeErr(where, r);
        if (e) {
          errors.push(e);
          return;
        }
        if (r.startPfn < prevEnd)
          errors.push(
            `${where}: range ${rng(r)} starts before the previous range ends (${hex(prevEnd, 1)}): ranges must be sorted and must not overlap`,
          );
        prevEnd = Math.max(prevEnd, r.endPfn);
        ramRanges.push(r);
      });
      const first = ramRanges[0];
      const last = ramRanges[ramRanges.length - 1];
      if (first && first.startPfn !== dramStart)
        errors.push(
          `ranges: the first RAM range starts at ${hex(first.startPfn, 1)}, not at startPfn ${hex(dramStart, 1)} (the node starts with its memory)`,
        );
      if (last && last.endPfn !== dramEnd)
        errors.push(
          `ranges: the last RAM range ends at ${hex(last.endPfn, 1)}, not at the end of the span ${hex(dramEnd, 1)} (the node ends with its memory)`,
        );
    }
  }

  // (b) zones
  if (!Array.isArray(l.zones) || l.zones.length === 0) {
    errors.push('zones: expected a non-empty array');
  } else {
    let prevIdx = -1;
    let prevEnd = dramStart;
    l.zones.forEach((z, i) => {
      const where = `zones[${i}] (${String(z?.name)})`;
      const idx = ZONE_NAMES.indexOf(z?.name as ZoneName);
      if (idx < 0) errors.push(`${where}: name must be one of ${ZONE_NAMES.join(', ')}`);
      else if (idx <= prevIdx)
        errors.push(`${where}: zones must be in the order ${ZONE_NAMES.join(' < ')} without repeats`);
      if (idx > prevIdx) prevIdx = idx;
      const e = rangeErr(where, z);
      if (e) {
        errors.push(e);
        return;
      }
      if (z.startPfn > prevEnd)
        errors.push(
          `${where}: gap of ${z.startPfn - prevEnd} pages before it (previous zone or DRAM start ends at ${hex(prevEnd, 1)}, this zone starts at ${hex(z.startPfn, 1)})`,
        );
      if (z.startPfn < prevEnd)
        errors.push(
          `${where}: overlaps the previous zone by ${prevEnd - z.startPfn} pages (previous ends at ${hex(prevEnd, 1)}, this starts at ${hex(z.startPfn, 1)})`,
        );
      prevEnd = z.endPfn;
    });
    if (prevEnd < dramEnd)
      errors.push(
        `zones: the last zone ends at ${hex(prevEnd, 1)} but ${dram} continues: ${dramEnd - prevEnd} pages belong to no zone`,
      );
  }

  // (c), (d) reserved and CMA
  const taken: { where: string; r: PfnRange }[] = [];
  const checkList = (field: 'reserved' | 'cma'): void => {
    const list = l[field];
    if (!Array.isArray(list)) {
      errors.push(`${field}: expected an array`);
      return;
    }
    list.forEach((r, i) => {
      const where = `${field}[${i}] (${String(r?.name)})`;
      const e = rangeErr(where, r);
      if (e) {
        errors.push(e);
        return;
      }
      if (field === 'cma' && pbOk) {
        const pb = 2 ** l.pageblockOrder!;
        if (r.startPfn % pb !== 0 || r.endPfn % pb !== 0) {
          errors.push(
            `${where}: range ${rng(r)} is not aligned to pageblocks of ${pb} pages (CMA_MIN_ALIGNMENT_PAGES)`,
          );
        }
        if (ramRanges.length > 0 && !ramRanges.some((m) => m.startPfn <= r.startPfn && r.endPfn <= m.endPfn))
          errors.push(`${where}: range ${rng(r)} is not inside one RAM range (a CMA area cannot cover a hole)`);
        if (Array.isArray(l.zones)) {
          const zs = l.zones.filter(
            (z) => isInt(z?.startPfn) && isInt(z?.endPfn) && z.startPfn < r.endPfn && r.startPfn < z.endPfn,
          );
          if (zs.length > 1)
            errors.push(
              `${where}: range ${rng(r)} spans zones ${zs.map((z) => z.name).join(' and ')}; a CMA area must lie in one zone`,
            );
        }
      }
      for (const t of taken) {
        if (t.r.startPfn < r.endPfn && r.startPfn < t.r.endPfn) {
          errors.push(`${where}: range ${rng(r)} overlaps ${t.where} ${rng(t.r)}`);
        }
      }
      taken.push({ where, r });
    });
  };
  checkList('reserved');
  checkList('cma');
  return errors;
}

/** Throw one Error listing every problem of the layout; `where` names its origin (file, board). */
export function assertValidLayout(layout: MemoryLayout, where = 'memory layout'): void {
  const errors = validateLayout(layout);
  if (errors.length > 0) throw new Error(`${where}: invalid memory layout:\n  - ${errors.join('\n  - ')}`);
}

/** The RAM ranges of a layout (its `ranges`, or the whole span). */
export function ramRangesOf(layout: MemoryLayout): PfnRange[] {
  return layout.ranges ?? [{ startPfn: layout.startPfn, endPfn: layout.startPfn + layout.nrPages }];
}

/** Pages of RAM (present pages) in [startPfn, endPfn) for sorted RAM ranges. */
export function presentPagesIn(ranges: readonly PfnRange[], startPfn: number, endPfn: number): number {
  let n = 0;
  for (const r of ranges) n += Math.max(0, Math.min(r.endPfn, endPfn) - Math.max(r.startPfn, startPfn));
  return n;
}

/**
 * Default SECTION_SIZE_BITS - PAGE_SHIFT: 128 MiB sections (x86-64; arm64 with 4 or 16 KiB pages),
 * never below MAX_PAGE_ORDER (arm64 with 64 KiB pages has 512 MiB sections, one max-order block).
 */
export function defaultSectionOrder(pageShift: number, maxOrder: number): number {
  return Math.max(27 - pageShift, maxOrder);
}
