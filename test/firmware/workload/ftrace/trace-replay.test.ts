import { describe, expect, it } from 'vitest';
import { PageKind } from '../../../../firmware/mm/page-flags.js';
import { POLICIES } from '../../../../firmware/pasr/policies/index.js';
import { PAGE_RESIDENT } from '../../../../firmware/mm/workingset.js';
import type { System } from '../../../../firmware/system/system.js';
import { type ReplayOutcome, type ReplayRequest, TraceReplay } from '../../../../firmware/system/trace-replay.js';
import { shippedBoard } from '../../boot/boards.js';
import { alloc, fixtureText, free } from './trace-lines.js';

const PANDA = shippedBoard('pandaboard-es');
/** pandaboard-es: 1 GiB at 0x80000000. */
const PANDA_START = 0x80000;
const PANDA_PAGES = 0x40000;

function replay(lines: readonly string[] | string, over: Partial<ReplayRequest> = {}): ReplayOutcome {
  const r = new TraceReplay({
    config: PANDA,
    name: 'test',
    policy: 'none',
    seed: 1,
    mode: 'order',
    idleNs: 1e9,
    activeShare: 0.1,
    checkEveryStep: true,
    ...over,
  });
  r.push(typeof lines === 'string' ? lines : `${lines.join('\n')}\n`);
  return r.finish();
}

/** Pages of a kind on the board, over its zones. */
function pagesOf(sys: System, kind: number): number {
  return sys.mm.zones.reduce((s, z) => s + z.nrKind[kind]!, 0);
}

function residentLogicalPages(sys: System): number {
  return sys.mech.ws.counts()[PAGE_RESIDENT]!;
}

describe('a trace replayed on a board', () => {
  it("makes the trace's allocations pages of the board, of the kinds their gfp flags say, and frees them again", () => {
    const allocs = [
      alloc(0, 0x10, 0, 'GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP'), // anon
      alloc(0, 0x11, 0, 'GFP_HIGHUSER_MOVABLE|__GFP_COMP'), // page cache
      alloc(0, 0x12, 0, 'GFP_HIGHUSER_MOVABLE|__GFP_WRITE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP'), // page cache write
      alloc(0, 0x14, 2, 'GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP', 0), // kernel, order 2
      alloc(0, 0x18, 0, 'GFP_NOWAIT|__GFP_RECLAIMABLE|__GFP_NORETRY|__GFP_COMP', 2), // reclaimable slab
    ];
    const kept = replay([...allocs, free(1, 0x999)]);
    const freed = replay([
      ...allocs,
      free(0.5, 0x10),
      free(0.5, 0x11),
      free(0.5, 0x12),
      free(0.5, 0x14, 2),
      free(0.5, 0x18),
      free(1, 0x999),
    ]);
    const diff = (kind: number) => pagesOf(kept.system, kind) - pagesOf(freed.system, kind);
    expect(diff(PageKind.ANON)).toBe(1);
    expect(diff(PageKind.FILE_CLEAN)).toBe(1);
    expect(diff(PageKind.FILE_DIRTY)).toBe(1);
    expect(diff(PageKind.KERNEL)).toBe(4);
    expect(diff(PageKind.SLAB_RECLAIMABLE)).toBe(1);
    // Anon and file pages are logical pages on the LRU, where reclaim and migration find them.
    expect(residentLogicalPages(kept.system) - residentLogicalPages(freed.system)).toBe(3);
    expect(kept.replay.policy).toMatchObject({ allocs: 5, pagesAllocated: 8, livePages: 8, unknownFrees: 1 });
    expect(freed.replay.policy).toMatchObject({ pagesFreed: 8, livePages: 0, unknownFrees: 1 });
  });

  it('counts a free of a page the trace never allocated, and goes on', () => {
    const o = replay([alloc(0, 1), free(0.1, 2), free(0.2, 3, 4), free(0.3, 1)]);
    expect(o.replay.policy).toMatchObject({ frees: 3, unknownFrees: 2, pagesFreed: 1, livePages: 0 });
  });

  it('frees a page allocated again without a free in between (its free was lost) and counts it', () => {
    const o = replay([alloc(0, 5), alloc(0.1, 5), free(0.2, 7)]);
    expect(o.replay.policy).toMatchObject({ allocs: 2, missedFrees: 1, pagesFreed: 1, livePages: 1 });
  });

  it('splits a transparent huge page into order-0 LRU pages and frees all of them with it', () => {
    const thp = alloc(0, 0x200, 9, 'GFP_TRANSHUGE', 1);
    const kept = replay([thp, free(1, 0x999)]);
    expect(residentLogicalPages(kept.system)).toBe(512);
    expect(pagesOf(kept.system, PageKind.ANON)).toBe(512);
    const freed = replay([thp, free(1, 0x200, 9)]);
    expect(residentLogicalPages(freed.system)).toBe(0);
    expect(freed.replay.policy).toMatchObject({ pagesFreed: 512, livePages: 0, unknownFrees: 0 });
  });

  it('frees a kernel block that the traced kernel split, page by page', () => {
    const o = replay([alloc(0, 0x40, 2, 'GFP_KERNEL', 0), ...[0, 1, 2, 3].map((i) => free(0.1 * (i + 1), 0x40 + i))]);
    expect(o.replay.policy).toMatchObject({ pagesFreed: 4, livePages: 0, unknownFrees: 0 });
  });

  it('counts an allocation the board cannot satisfy, and the free of that page later', () => {
    // An order-11 block is larger than any on the board (MAX_ORDER 10).
    const o = replay([alloc(0, 0x800, 11, 'GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY', 0), free(0.1, 0x800, 11)]);
    expect(o.replay.policy).toMatchObject({ allocFailures: 1, freesOfFailed: 1, livePages: 0 });
  });
});

describe('exact placement (--mode exact)', () => {
  it('puts a page at the traced pfn folded onto the board, and counts a collision when that frame is taken', () => {
    const traced = 0x1865c9;
    const frame = PANDA_START + (traced % PANDA_PAGES);
    const o = replay([alloc(0, traced), alloc(0.1, traced + PANDA_PAGES), free(1, 0x999)], { mode: 'exact' });
    const i = frame - PANDA_START;
    expect(o.system.mm.memmap.kind(i)).toBe(PageKind.ANON);
    expect(o.system.mech.ws.idAt(frame)).toBeGreaterThanOrEqual(0);
    // The second page folds onto the same frame: the allocator places it elsewhere.
    expect(o.replay.policy).toMatchObject({ exactPlaced: 1, exactCollisions: 1, livePages: 2 });
  });

  it('replays the real capture with most pages at their folded pfns', () => {
    const o = replay(fixtureText('kmem-trace.txt.gz'), { mode: 'exact', checkEveryStep: false });
    const s = o.replay.policy;
    expect(s.exactPlaced + s.exactCollisions).toBe(3840);
    expect(s.exactPlaced).toBeGreaterThan(3500);
    o.system.checkInvariants();
  });
});

describe('time in a replay', () => {
  it('runs from the first event to the last, and suspends in a gap longer than --idle until the next event', () => {
    const lines = [alloc(100, 1), free(100.1, 1), alloc(105.1, 2), free(105.2, 2)];
    const o = replay(lines);
    expect(o.report.simulatedSeconds).toBeCloseTo(5.2, 6);
    expect(o.report.suspendCount).toBe(1);
    // Asleep from 1 s after the event at 100.1 s until the event at 105.1 s (less the entry and exit sequences).
    expect(o.report.suspendedSeconds).toBeGreaterThan(3.99);
    expect(o.report.suspendedSeconds).toBeLessThanOrEqual(4);
    const longer = replay(lines, { idleNs: 10e9 });
    expect(longer.report.suspendCount).toBe(0);
  });

  it('applies an event printed out of time order at the time reached', () => {
    const o = replay([alloc(10, 1), alloc(11, 2), alloc(10.5, 3), free(12, 1)]);
    expect(o.trace.outOfOrder).toBe(1);
    expect(o.replay.policy).toMatchObject({ allocs: 3, livePages: 2 });
    expect(o.report.simulatedSeconds).toBeCloseTo(2, 6);
  });
});

describe('streaming', () => {
  it('gives the same report whatever the batch the reader hands over (runs pause and resume between batches)', () => {
    const text = fixtureText('kmem-nap.txt.gz');
    const whole = replay(text, { policy: 'oracle', checkEveryStep: false });
    const small = replay(text, { policy: 'oracle', checkEveryStep: false, batch: 7 });
    expect(small.report).toEqual(whole.report);
    expect(small.replay).toEqual(whole.replay);
    expect(whole.report.suspendCount).toBe(8);
  });

  it('runs the policy and its baseline on the same operations', () => {
    const o = replay(fixtureText('kmem-nap.txt.gz'), { policy: 'sorted-buddy', checkEveryStep: false });
    expect(o.replay.policy.allocs).toBe(o.replay.baseline.allocs);
    expect(o.replay.policy.frees).toBe(o.replay.baseline.frees);
    expect(o.report.policy).toBe('sorted-buddy');
    expect(o.report.workload).toBe('test');
    expect(o.report.violations).toBe(0);
  });

  it('replays the nap capture with every policy, in both modes, without losing a live page', () => {
    const text = fixtureText('kmem-nap.txt.gz');
    for (const policy of POLICIES.map((p) => p.name))
      for (const mode of ['order', 'exact'] as const) {
        const o = replay(text, { policy, mode, checkEveryStep: false });
        const where = `${policy} --mode ${mode}`;
        // hotplug's offlining at suspend runs past the next events: they are late, never lost.
        expect(o.report.suspendCount, where).toBe(8);
        expect(o.report.errors, where).toEqual([]);
        if (policy !== 'careless') expect(o.report.violations, where).toBe(0);
        expect(o.replay.policy.allocs, where).toBe(10193);
      }
  });

  it('refuses a trace with no page allocated or freed', () => {
    const r = new TraceReplay({
      config: PANDA,
      name: 't',
      policy: 'none',
      seed: 1,
      mode: 'order',
      idleNs: 1e9,
      activeShare: 0,
    });
    r.push('            bash-1     [000] ..... 1.000000: sched_switch: prev_comm=bash\n');
    expect(() => r.finish()).toThrow(
      /^no page allocated or freed \(no mm_page_alloc or mm_page_free event in 1 lines\)/,
    );
  });
});
