/**
 * Small boards for the mechanism tests: a MemoryManager on a simulated clock with the
 * mechanisms (MmMechanisms) on top. Not a test file.
 */
import { SimClock } from '../../../hal/clock.js';
import { GFP_HIGHUSER_MOVABLE } from '../../../firmware/mm/gfp.js';
import type { MemoryLayout } from '../../../firmware/mm/layout.js';
import { MemoryManager } from '../../../firmware/mm/memory-manager.js';
import { MmMechanisms, type MmMechanismsOptions } from '../../../firmware/mm/mechanisms.js';
import { PageKind } from '../../../firmware/mm/page-flags.js';

export const MIB_PAGES = 256;

export interface FixtureOptions {
  /** DRAM size in MiB (default 64). */
  mib?: number;
  /** ZONE_MOVABLE at the top, in MiB (default 16; 0 = none). */
  movableMib?: number;
  /** A CMA area in ZONE_NORMAL, in MiB (default 0). */
  cmaMib?: number;
  swapPages?: number;
  pcp?: boolean;
  mech?: MmMechanismsOptions;
}

export const START_PFN = 0x80000;

export function fixtureLayout(o: FixtureOptions = {}): MemoryLayout {
  const mib = o.mib ?? 64;
  const movable = o.movableMib ?? 16;
  const nrPages = mib * MIB_PAGES;
  const end = START_PFN + nrPages;
  const movStart = end - movable * MIB_PAGES;
  const zones: MemoryLayout['zones'] = [{ name: 'Normal', startPfn: START_PFN, endPfn: movStart }];
  if (movable > 0) zones.push({ name: 'Movable', startPfn: movStart, endPfn: end });
  const cma: MemoryLayout['cma'] = [];
  if (o.cmaMib) {
    // Right below ZONE_MOVABLE, pageblock-aligned.
    cma.push({ name: 'reserved', startPfn: movStart - o.cmaMib * MIB_PAGES, endPfn: movStart });
  }
  return {
    pageShift: 12,
    startPfn: START_PFN,
    nrPages,
    zones,
    reserved: [{ name: 'kernel', startPfn: START_PFN, endPfn: START_PFN + 256 }],
    maxOrder: 10,
    pageblockOrder: 9,
    cma,
    swapPages: o.swapPages ?? 0,
    nrCpus: 2,
  };
}

export function boot(o: FixtureOptions = {}): { mm: MemoryManager; mech: MmMechanisms; clock: SimClock } {
  const clock = new SimClock();
  const mm = new MemoryManager(fixtureLayout(o), clock, { pcp: o.pcp ?? true });
  const mech = new MmMechanisms(mm, { daemons: 'manual', memoryBlockBytes: 4 * 1024 * 1024, ...o.mech });
  return { mm, mech, clock };
}

/** Allocate until the allocator fails; returns the pfns. */
export function allocAll(mm: MemoryManager, gfp: number, kind: number, max = Infinity): number[] {
  const out: number[] = [];
  while (out.length < max) {
    const p = mm.allocPages(0, gfp, kind);
    if (typeof p !== 'number') break;
    out.push(p);
  }
  return out;
}

/**
 * Fill memory with movable anon pages (allocated with `gfp`: add __GFP_MEMALLOC to ignore the
 * watermarks), then free every page outside [start, end); returns the kept pfns in order.
 */
export function occupyOnly(mm: MemoryManager, start: number, end: number, gfp = GFP_HIGHUSER_MOVABLE): number[] {
  const all = allocAll(mm, gfp, PageKind.ANON);
  const kept: number[] = [];
  for (const p of all) {
    if (p >= start && p < end) kept.push(p);
    else mm.freePages(p, 0);
  }
  mm.drainAllPages();
  return kept.sort((a, b) => a - b);
}

/** Pageblocks currently isolated (MIGRATE_ISOLATE) anywhere in DRAM. */
export function isolatedPageblocks(mm: MemoryManager): number {
  let n = 0;
  for (let pfn = mm.memmap.startPfn; pfn < mm.memmap.endPfn; pfn += mm.pa.pageblockNrPages)
    if (mm.memmap.isPageblockIsolated(pfn)) n++;
  return n;
}
