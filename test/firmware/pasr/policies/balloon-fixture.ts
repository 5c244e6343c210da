/**
 * Placing pages in chosen PASR units of a booted System before it runs, for hand-checked balloon
 * cases: page cache or process memory through the address space (ids past the scenario's own
 * sets), kernel pages through the allocator. Pages that land elsewhere are given back.
 */
import { GFP_KERNEL } from '../../../../firmware/mm/gfp.js';
import { PageKind } from '../../../../firmware/mm/page-flags.js';
import type { System } from '../../../../firmware/system/system.js';
import type { Phase, Scenario } from '../../../../firmware/workload/scenario.js';
import { MIN, phase } from '../../system/harness.js';

export class UnitFiller {
  /** Next address-space id to use (past every scenario set). */
  private nextId: number;

  constructor(
    readonly sys: System,
    firstFreeId: number,
  ) {
    this.nextId = firstFreeId;
  }

  /** Put `n` pages of page cache ('file') or process memory ('anon') in `unit`; returns their ids. */
  place(unit: number, n: number, type: 'file' | 'anon'): number[] {
    const { ws } = this.sys.mech;
    const stray: number[] = [];
    const placed: number[] = [];
    while (placed.length < n) {
      if (this.nextId >= ws.capacity) throw new Error(`could not place ${n} ${type} pages in unit ${unit}`);
      const id = this.nextId++;
      if (!ws.touch(id, type).ok) throw new Error(`out of memory placing ${type} pages in unit ${unit}`);
      if (this.sys.census.unitOf(ws.pfnOf[id]!) === unit) placed.push(id);
      else stray.push(id);
    }
    for (const id of stray) ws.release(id);
    return placed;
  }

  /** Touch process memory until an allocation fails (reclaim and the OOM path found nothing); returns pages. */
  fillMemory(): number {
    const { ws } = this.sys.mech;
    let n = 0;
    while (this.nextId < ws.capacity && ws.touch(this.nextId++, 'anon').ok) n++;
    return n;
  }

  /** Put one unmovable kernel page in `unit`; returns its pfn. */
  kernelPage(unit: number): number {
    const { mm } = this.sys;
    const stray: number[] = [];
    let got = -1;
    while (got < 0) {
      const p = mm.allocPages(0, GFP_KERNEL, PageKind.KERNEL);
      if (typeof p !== 'number') throw new Error(`out of memory placing a kernel page in unit ${unit}`);
      if (this.sys.census.unitOf(p) === unit) got = p;
      else stray.push(p);
    }
    for (const p of stray) mm.freePages(p, 0);
    return got;
  }
}

/** No workload unless given: one phase that repeats, with autosleep after 1 s idle. */
export function quiet(over: Partial<Phase> = {}, scenario: Partial<Scenario> = {}): Scenario {
  return {
    name: 'quiet',
    description: 'test scenario',
    durationNs: 10 * MIN,
    sets: [],
    slabCaches: [],
    setup: [],
    phases: [phase({ name: 'idle', durationNs: 10 * MIN, ...over })],
    ...scenario,
  };
}
