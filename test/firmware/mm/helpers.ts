/** Small layouts and probes shared by the mm tests. */
import { SimClock } from '../../../hal/clock.js';
import type { MemoryLayout, ZoneName } from '../../../firmware/mm/layout.js';
import { MemoryManager, type MmOptions } from '../../../firmware/mm/memory-manager.js';
import type { AllocResult } from '../../../firmware/mm/page-alloc.js';

export function layout(over: Partial<MemoryLayout> & { zoneName?: ZoneName } = {}): MemoryLayout {
  const startPfn = over.startPfn ?? 0x1000;
  const nrPages = over.nrPages ?? 32;
  const { zoneName, ...rest } = over;
  return {
    pageShift: 12,
    startPfn,
    nrPages,
    zones: [{ name: zoneName ?? 'DMA32', startPfn, endPfn: startPfn + nrPages }],
    reserved: [],
    maxOrder: 3,
    pageblockOrder: 2,
    cma: [],
    swapPages: 0,
    nrCpus: 1,
    minFreeKbytes: 0,
    ...rest,
  };
}

export function boot(l: MemoryLayout, options: MmOptions = { pcp: false }): MemoryManager {
  return new MemoryManager(l, new SimClock(), options);
}

export function pfnOf(r: AllocResult): number {
  if (typeof r !== 'number') throw new Error(`expected a pfn, got failure ${JSON.stringify(r)}`);
  return r;
}

/** nr_free per order of one zone. */
export function nrFree(mm: MemoryManager, zone: ZoneName): number[] {
  const z = mm.zones.find((x) => x.name === zone)!;
  return Array.from(mm.pa.nrFree.subarray(z.idx * mm.pa.nrOrders, (z.idx + 1) * mm.pa.nrOrders));
}

/** pfns on free_list[mt] of an order, head first. */
export function freeList(mm: MemoryManager, zone: ZoneName, order: number, mt: number): number[] {
  const z = mm.zones.find((x) => x.name === zone)!;
  const head = mm.pa.freeListHead(z.idx, order, mt);
  const out: number[] = [];
  for (let n = mm.memmap.next(head); n !== head; n = mm.memmap.next(n)) out.push(n + mm.memmap.startPfn);
  return out;
}
