import { describe, expect, it } from 'vitest';
import { FREE_MARGIN_SHARE, GOVERNOR_POLL_NS } from '../../../../firmware/pasr/policies/balloon.js';
import { PAGE_RESIDENT, PAGE_SHADOW } from '../../../../firmware/mm/workingset.js';
import type { System } from '../../../../firmware/system/system.js';
import { MIN, S, activity, system } from '../../system/harness.js';
import { UnitFiller, quiet } from './balloon-fixture.js';

function masks(sys: System): number[] {
  return sys.trace.ofKind('pasr.mask').map((e) => e.unit);
}

/** MR17 values written to a die after `fromNs` (boot's writes excluded). */
function mr17(sys: System, die: string, fromNs: number): number[] {
  return sys.trace
    .ofKind('dram.mrw')
    .filter((e) => e.die === die && e.register === 'MR17' && e.tNs >= fromNs)
    .map((e) => e.value);
}

function decisions(sys: System, action: string): string[] {
  return sys.trace
    .ofKind('policy.decision')
    .filter((e) => e.action === action)
    .map((e) => e.detail);
}

/** Free pages the governor keeps: the zones' high watermarks plus its margin. */
function floorPages(sys: System): number {
  let n = 0;
  for (const z of sys.mm.pa.zones) {
    if (!z.populated || z.managedPages === 0) continue;
    n += z.highWmark + Math.ceil(FREE_MARGIN_SHARE * z.managedPages);
  }
  return n;
}

describe('balloon policy: which units, in what order', () => {
  it('on imx6sl-evk takes units with only free pages first (highest first), then page cache, then anon; never one with a kernel page, the kernel image or the CMA area', () => {
    const sys = system('imx6sl-evk', quiet(), 'balloon', { recordTrace: true });
    const fill = new UnitFiller(sys, 0);
    const cache = fill.place(13, 2000, 'file');
    const heap = fill.place(12, 2000, 'anon');
    fill.kernelPage(9);
    const start = sys.clock.nowNs;
    const stats = sys.run();
    // Unit 0 holds the kernel image, unit 11 the CMA area, unit 9 a kernel page.
    expect(masks(sys)).toEqual([15, 14, 10, 8, 7, 6, 5, 4, 3, 2, 1, 13, 12]);
    const first = sys.trace.ofKind('pasr.mask')[0]!.tNs;
    const suspended = sys.trace.ofKind('sys.suspend')[0]!.tNs;
    // Units 8-15 are segments 0-7 of mmdc.cs1, units 0-7 those of mmdc.cs0.
    expect(mr17(sys, 'mmdc.cs1', first)).toEqual([0x80, 0xc0, 0xc4, 0xc5, 0xe5, 0xf5]);
    expect(mr17(sys, 'mmdc.cs0', first)).toEqual([0x80, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc, 0xfe]);
    // All of it at the first idle, before the first suspend.
    expect(sys.trace.ofKind('pasr.mask').every((e) => e.tNs >= start && e.tNs <= suspended)).toBe(true);
    const inflates = decisions(sys, 'inflate');
    expect(inflates.every((d) => d.endsWith('(idle)'))).toBe(true);
    expect(inflates.find((d) => d.startsWith('unit 13 '))).toContain('dropped 2000');
    expect(inflates.find((d) => d.startsWith('unit 12 '))).toContain('migrated 2000');
    // The anon pages live on elsewhere; the page cache was dropped, leaving shadows (a later read refaults).
    const { ws } = sys.mech;
    expect(heap.every((id) => ws.state[id] === PAGE_RESIDENT && sys.census.unitOf(ws.pfnOf[id]!) !== 12)).toBe(true);
    expect(cache.every((id) => ws.state[id] === PAGE_SHADOW)).toBe(true);
    expect(sys.census.unit(9).unmovable).toBe(1);
    expect(sys.core.isMasked(9) || sys.core.isMasked(0) || sys.core.isMasked(11)).toBe(false);
    expect([stats.violations, stats.dataLossPages, stats.errors.length]).toEqual([0, 0, 0]);
  });

  it('keeps the expected demand free above the high watermarks and margin, and says so when it stops', () => {
    const sys = system('imx6sl-evk', quiet({ expectedDemand: 0.3 }), 'balloon', { recordTrace: true });
    sys.run();
    const demand = Math.round(0.3 * sys.mm.memmap.nrPages);
    const held = masks(sys).length;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(14);
    // Every unit taken had only free pages: the free memory left is the test of the sizing.
    const free = sys.mm.nrFreePages();
    expect(free).toBeGreaterThanOrEqual(floorPages(sys) + demand);
    expect(free - 16384).toBeLessThan(floorPages(sys) + demand);
    expect(decisions(sys, 'hold')[0]).toContain(`expected demand ${demand}`);
  });
});

describe('balloon policy: when it acts', () => {
  it('without autosleep, inflates at the no-pressure poll, not before', () => {
    const sys = system('snowball', quiet({ suspend: false }), 'balloon', { recordTrace: true });
    const start = sys.clock.nowNs;
    sys.run();
    const first = sys.trace.ofKind('pasr.mask')[0]!;
    expect(first.tNs - start).toBeGreaterThanOrEqual(GOVERNOR_POLL_NS);
    expect(first.tNs - start).toBeLessThan(GOVERNOR_POLL_NS + 1 * S);
    expect(decisions(sys, 'inflate')[0]).toMatch(/\(poll\)$/);
  });

  it('follows the userspace knob: deflate gives every unit back (unmasked before freed) and holds the poll off until the next idle; inflate acts at once', () => {
    const scenario = quiet({
      suspend: false,
      activities: [
        activity({ name: 'unlock', everyNs: 3 * MIN, ops: [{ op: 'knob', action: 'deflate' }] }),
        activity({ name: 'lock', everyNs: 7 * MIN, ops: [{ op: 'knob', action: 'inflate' }] }),
      ],
    });
    const sys = system('snowball', scenario, 'balloon', { recordTrace: true, checkEveryStep: true });
    const start = sys.clock.nowNs;
    const stats = sys.run();
    const at = (e: { tNs: number }): number => Math.round((e.tNs - start) / S);
    const ups = sys.trace.ofKind('pasr.unmask');
    // The poll inflated at 1 min; the knob gave all back at 3 min (and found nothing at 6 min)...
    expect([...new Set(ups.map(at))]).toEqual([180, 540]);
    // ...and the poll took nothing back after it; the knob at 7 min did, the knob at 9 min gave it back.
    const maskTimes = [...new Set(sys.trace.ofKind('pasr.mask').map(at))];
    expect(maskTimes).toEqual([60, 420]);
    expect(decisions(sys, 'inflate').at(-1)).toMatch(/\(knob\)$/);
    expect(sys.policy.stats!().releasesKnob).toBe(ups.length);
    // Knob releases are not pressure: no deflate latency is recorded for them.
    expect(sys.policy.deflateLatenciesNs!()).toEqual([]);
    expect([stats.violations, stats.dataLossPages]).toEqual([0, 0]);
  });
});
