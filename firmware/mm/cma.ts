/**
 * CMA areas (mm/cma.c): the layout's CMA ranges, each with an allocation bitmap (one bit per
 * page, order_per_bit 0). cma_alloc(count, align) finds the first free run of `count` bits whose
 * start is aligned to 2^align pages, marks it, and calls alloc_contig_range(MIGRATE_CMA) on it;
 * when that range is busy it clears the bits and retries at the next aligned offset
 * (start = bitmap_no + mask + 1), as Linux does, until the bitmap has no run left.
 * cma_release() frees the pages and clears the bits.
 *
 * Counters per area (sysfs /sys/kernel/mm/cma/<name>/alloc_pages_success, _fail) and the
 * cma_alloc_success / cma_alloc_fail events (kept on Cma: the core's /proc/vmstat item list
 * follows a captured kernel that does not print them).
 *
 * Invariants (checkInvariants()): a bit is set exactly for the pages a successful cma_alloc()
 * handed out and not yet released; those pages are allocated (not free).
 */
import type { ContigAllocator } from './contig.js';
import { MIGRATE_CMA } from './migratetype.js';
import type { MmContext } from './mm-context.js';
import { PageKind } from './page-flags.js';
import { hex } from '../../hal/bits.js';

export class CmaArea {
  readonly name: string;
  readonly basePfn: number;
  readonly count: number;
  /** One bit per page. */
  readonly bitmap: Uint8Array;
  allocPagesSuccess = 0;
  allocPagesFail = 0;
  releasePagesSuccess = 0;
  /** Pages handed out now. */
  used = 0;

  constructor(name: string, basePfn: number, count: number) {
    this.name = name;
    this.basePfn = basePfn;
    this.count = count;
    this.bitmap = new Uint8Array(Math.ceil(count / 8));
  }

  get endPfn(): number {
    return this.basePfn + this.count;
  }

  testBit(i: number): boolean {
    return (this.bitmap[i >> 3]! & (1 << (i & 7))) !== 0;
  }

  setBits(i: number, n: number, on: boolean): void {
    for (let k = i; k < i + n; k++) {
      if (on) this.bitmap[k >> 3] = this.bitmap[k >> 3]! | (1 << (k & 7));
      else this.bitmap[k >> 3] = this.bitmap[k >> 3]! & ~(1 << (k & 7));
    }
  }

  /**
   * bitmap_find_next_zero_area_off(): first index >= start with `n` clear bits, aligned so that
   * (index + offset) & mask === 0; count if none.
   */
  findZeroArea(start: number, n: number, mask: number, offset: number): number {
    let i = start;
    for (;;) {
      i = ((i + offset + mask) & ~mask) - offset;
      if (i + n > this.count) return this.count;
      let k = 0;
      while (k < n && !this.testBit(i + k)) k++;
      if (k === n) return i;
      i = i + k + 1;
    }
  }
}

export type CmaAllocResult =
  | { ok: true; pfn: number; count: number; tries: number; ns: number }
  | { ok: false; reason: 'no free range' | 'busy'; detail: string; tries: number; ns: number };

export class Cma {
  readonly ctx: MmContext;
  readonly contig: ContigAllocator;
  readonly areas: CmaArea[];
  /** cma_alloc_success / cma_alloc_fail vm events. */
  allocSuccess = 0;
  allocFail = 0;

  constructor(ctx: MmContext, contig: ContigAllocator) {
    this.ctx = ctx;
    this.contig = contig;
    const names = ctx.mm.layout.cma.map((c) => c.name);
    this.areas = ctx.pa.cmaAreas.map((r, i) => new CmaArea(names[i] ?? `cma${i}`, r.startPfn, r.endPfn - r.startPfn));
  }

  area(name: string): CmaArea {
    const a = this.areas.find((x) => x.name === name);
    if (!a)
      throw new Error(
        `CMA area '${name}' does not exist; areas: ${this.areas.map((x) => x.name).join(', ') || '(none)'}`,
      );
    return a;
  }

  /**
   * cma_alloc(cma, count, align): `count` contiguous pages aligned to 2^align pages. The pages
   * become allocated order-0 pages of `kind` (default KERNEL: a device buffer).
   */
  cmaAlloc(areaOrName: CmaArea | string, count: number, align = 0, kind: number = PageKind.KERNEL): CmaAllocResult {
    const cma = typeof areaOrName === 'string' ? this.area(areaOrName) : areaOrName;
    if (!Number.isInteger(count) || count <= 0)
      throw new RangeError(`cma_alloc(${cma.name}): count ${count} is not a positive integer`);
    if (!Number.isInteger(align) || align < 0 || align > 30)
      throw new RangeError(`cma_alloc(${cma.name}): align ${align} is not an order in [0, 30]`);
    const ctx = this.ctx;
    const t0 = ctx.ledger.nowNs;
    const mask = align > 0 ? 2 ** align - 1 : 0;
    const offset = mask ? cma.basePfn & mask : 0;
    let start = 0;
    let tries = 0;
    let lastBusy = '';
    const result = ctx.ledger.run((): CmaAllocResult => {
      for (;;) {
        const bitmapNo = count > cma.count ? cma.count : cma.findZeroArea(start, count, mask, offset);
        if (bitmapNo >= cma.count) {
          const reason = tries > 0 ? 'busy' : 'no free range';
          const detail =
            tries > 0
              ? `every free ${count}-page range of ${cma.name} was busy (last: ${lastBusy})`
              : `${cma.name} has no free run of ${count} pages aligned to ${2 ** align} (${cma.used} of ${cma.count} pages in use)`;
          return { ok: false, reason, detail, tries, ns: ctx.ledger.nowNs - t0 };
        }
        cma.setBits(bitmapNo, count, true);
        const pfn = cma.basePfn + bitmapNo;
        tries++;
        const r = this.contig.allocContigRange(pfn, pfn + count, { migratetype: MIGRATE_CMA, kind });
        if (r.ok) return { ok: true, pfn, count, tries, ns: ctx.ledger.nowNs - t0 };
        cma.setBits(bitmapNo, count, false);
        lastBusy = `${hex(pfn, 1)}: ${r.detail}`;
        start = bitmapNo + mask + 1;
      }
    });
    if (result.ok) {
      this.allocSuccess++;
      cma.allocPagesSuccess += count;
      cma.used += count;
    } else {
      this.allocFail++;
      cma.allocPagesFail += count;
    }
    return result;
  }

  /** cma_release(): false if the range is not inside the area (as Linux). */
  cmaRelease(areaOrName: CmaArea | string, pfn: number, count: number): boolean {
    const cma = typeof areaOrName === 'string' ? this.area(areaOrName) : areaOrName;
    if (
      !Number.isInteger(pfn) ||
      !Number.isInteger(count) ||
      count <= 0 ||
      pfn < cma.basePfn ||
      pfn + count > cma.endPfn
    )
      return false;
    for (let k = pfn - cma.basePfn; k < pfn - cma.basePfn + count; k++) {
      if (!cma.testBit(k))
        throw new Error(`cma_release(${cma.name}): pfn ${hex(cma.basePfn + k, 1)} was not allocated from the area`);
    }
    this.contig.freeContigRange(pfn, count);
    cma.setBits(pfn - cma.basePfn, count, false);
    cma.used -= count;
    cma.releasePagesSuccess += count;
    return true;
  }

  checkInvariants(): void {
    const mm = this.ctx.memmap;
    for (const a of this.areas) {
      let set = 0;
      for (let k = 0; k < a.count; k++) {
        if (!a.testBit(k)) continue;
        set++;
        if (mm.kind(a.basePfn + k - mm.startPfn) === PageKind.FREE)
          throw new Error(
            `cma invariant violated: ${a.name} bit ${k} (pfn ${hex(a.basePfn + k, 1)}) is set but the page is free`,
          );
      }
      if (set !== a.used)
        throw new Error(`cma invariant violated: ${a.name} has ${set} bits set but ${a.used} pages in use`);
    }
  }
}
