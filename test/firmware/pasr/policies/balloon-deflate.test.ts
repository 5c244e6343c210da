import { describe, expect, it } from 'vitest';
import type { Op, Scenario } from '../../../../firmware/workload/scenario.js';
import type { System } from '../../../../firmware/system/system.js';
import { MIN, S, activity, phase, system } from '../../system/harness.js';

/** Page cache read at boot, quiet for 5 minutes (the balloon inflates at the first idle), then one burst. */
function burst(ops: readonly Op[], expectedDemand: number, dirty = 0): Scenario {
  return {
    name: 'burst',
    description: 'test scenario',
    durationNs: 10 * MIN,
    sets: [
      { name: 'files', type: 'file', size: 1 },
      { name: 'heap', type: 'anon', size: 0.8 },
    ],
    slabCaches: [],
    setup: [{ op: 'read', set: 'files', size: 0.3, pattern: 'sequential', writeShare: dirty }],
    phases: [
      phase({ name: 'quiet', durationNs: 5 * MIN, expectedDemand }),
      phase({
        name: 'burst',
        durationNs: 5 * MIN,
        expectedDemand,
        activities: [activity({ name: 'work', at: 'start', busyNs: 30 * S, ops })],
      }),
    ],
  };
}

function decisions(sys: System, action: string): string[] {
  return sys.trace
    .ofKind('policy.decision')
    .filter((e) => e.action === action)
    .map((e) => e.detail);
}

const heap: Op = { op: 'touch', set: 'heap', size: 0.6, pattern: 'sequential' };

/** Balloon (the deflate mode given) on snowball: 30 % of RAM in page cache (dirty or not), then 60 % of RAM touched. */
function run(deflate: string, dirty: number) {
  const sys = system(
    'snowball',
    burst([heap], 0.3, dirty),
    'balloon',
    { recordTrace: true, checkEveryStep: true },
    { deflate },
  );
  const stats = sys.run();
  expect([stats.violations, stats.dataLossPages, stats.errors.length]).toEqual([0, 0, 0]);
  expect(sys.engine.stats.oomKills).toBe(0);
  return sys;
}

/** The units each release gave back, in order. */
function released(sys: System): number[][] {
  return decisions(sys, 'deflate').map((d) => /^units ([\d, ]+) /.exec(d)![1]!.split(', ').map(Number));
}

const deflatePageNs = (sys: System): number => sys.mech.costs.perPage('balloon.deflatePageNs');

describe('balloon policy: giving memory back', () => {
  it('shrinker: reclaim shrinks the balloon, lowest zone first and newest unit first, at the deflate cost per page', () => {
    const sys = run('shrinker', 1);
    // The governor took units 4 then 3 (free pages only, highest first); 3 goes back first.
    expect(decisions(sys, 'inflate').map((d) => d.split(' ')[1])).toEqual(['4', '3']);
    expect(released(sys)).toEqual([[3], [4]]);
    expect(decisions(sys, 'deflate').every((d) => d.endsWith('(shrinker)'))).toBe(true);
    const shrinker = sys.mech.shrinkers.shrinkers.find((s) => s.name === 'pasr-balloon')!;
    expect(shrinker.totalFreed).toBeGreaterThanOrEqual(16384);
    const lat = sys.policy.deflateLatenciesNs!();
    expect(lat).toHaveLength(2);
    for (const ns of lat) expect(ns).toBeGreaterThanOrEqual(16384 * deflatePageNs(sys));
    // Every unmask came before the unit's frames were free again (checked after every step), and nothing is left masked.
    expect(sys.trace.ofKind('pasr.unmask').map((e) => e.unit)).toEqual([3, 4]);
    expect(sys.core.nrMasked).toBe(0);
  });

  it('oom: holds on while reclaim makes progress (allocations stall writing back page cache), then gives one unit per OOM notification before the killer', () => {
    const dirty = run('oom', 1);
    expect(released(dirty)).toEqual([]);
    expect(dirty.mech.shrinkers.shrinkers.some((s) => s.name === 'pasr-balloon')).toBe(false);
    expect(dirty.mm.events.nr_vmscan_write).toBeGreaterThan(0);
    // With clean page cache only, reclaim runs dry and the OOM path is reached: one unit per call.
    const clean = run('oom', 0);
    expect(released(clean).every((units) => units.length === 1)).toBe(true);
    expect(released(clean).length).toBeGreaterThan(0);
    expect(decisions(clean, 'deflate').every((d) => d.endsWith('(oom)'))).toBe(true);
    expect(clean.policy.deflateLatenciesNs!()).toHaveLength(released(clean).length);
  });

  it('psi: once allocations spend 0.1 % of 10 s stalled, the whole balloon goes back at once, and they stall far less than with the OOM notifier', () => {
    const psi = run('psi', 1);
    const oom = run('oom', 1);
    expect(psi.policy.stats!().psiEvents).toBe(1);
    expect(released(psi)).toEqual([[3, 4]]);
    expect(decisions(psi, 'deflate')[0]).toMatch(/\(psi\)$/);
    expect(psi.policy.deflateLatenciesNs!()[0]).toBeGreaterThanOrEqual(2 * 16384 * deflatePageNs(psi));
    expect(psi.mech.psi.totalNs * 10).toBeLessThan(oom.mech.psi.totalNs);
  });
});
