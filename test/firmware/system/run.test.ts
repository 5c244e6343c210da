import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runScenario } from '../../../firmware/system/run-report.js';
import { arrayShareAt } from '../../../hal/lpddr/array-share.js';
import type { PasrPolicy, PolicyContext } from '../../../firmware/pasr/policy.js';
import { System } from '../../../firmware/system/system.js';
import type { Op, Scenario } from '../../../firmware/workload/scenario.js';
import { SHIPPED, shippedBoard } from '../boot/boards.js';
import { activity, H, MIN, phase, S, system, tinyScenario } from './harness.js';

describe('a system run', () => {
  it('catches the careless policy on every shipped board: violations at self-refresh entry and lost pages', () => {
    // Memory mostly in use, so that even the emptiest units hold live pages.
    const sc = tinyScenario({
      durationNs: 20 * MIN,
      setup: [
        { op: 'read', set: 'files', size: 0.55, pattern: 'random', writeShare: 0 },
        { op: 'touch', set: 'proc', size: 0.25, pattern: 'sequential' },
      ],
    });
    for (const board of SHIPPED) {
      const sys = system(board, sc, 'careless');
      const st = sys.run();
      expect({ board, caught: st.violations > 0 && st.dataLossPages > 0 }).toEqual({ board, caught: true });
      expect(st.violationMessages.some((m) => m.startsWith('PASR SAFETY VIOLATION'))).toBe(true);
      expect(st.violationMessages.some((m) => m.startsWith('PASR DATA LOSS'))).toBe(true);
    }
  });

  it('loses nothing with none and oracle on every shipped board, and keeps every invariant', () => {
    const sc = tinyScenario({ durationNs: 30 * MIN });
    for (const board of SHIPPED) {
      for (const policy of ['none', 'oracle']) {
        // (every invariant is checked at the end of the run)
        const sys = system(board, sc, policy);
        const st = sys.run();
        expect({ board, policy, violations: st.violations, lost: st.dataLossPages, errors: st.errors }).toEqual({
          board,
          policy,
          violations: 0,
          lost: 0,
          errors: [],
        });
        expect(st.suspendCount).toBeGreaterThan(3);
      }
    }
  });

  it('gives the same report for the same seed, and another for another seed', () => {
    const config = shippedBoard('imx6sl-evk');
    const sc = tinyScenario({ durationNs: 40 * MIN });
    const a = runScenario({ config, scenario: sc, policy: 'oracle', seed: 7 });
    const b = runScenario({ config, scenario: sc, policy: 'oracle', seed: 7 });
    const c = runScenario({ config, scenario: sc, policy: 'oracle', seed: 8 });
    expect(JSON.stringify(b.report)).toBe(JSON.stringify(a.report));
    expect(JSON.stringify(c.report)).not.toBe(JSON.stringify(a.report));
    expect(a.report.oraclePercent).toBeGreaterThan(0);
    expect(a.report.savingPercent).toBeCloseTo(a.report.oraclePercent, 9);
  });

  it('suspends once per wake-up when the busy time is shorter than the gap, and meters every second', () => {
    const sc = tinyScenario({
      durationNs: 1 * H,
      phases: [
        phase({
          name: 'p',
          durationNs: 1 * H,
          idleBeforeSuspendNs: 1 * S,
          activities: [activity({ name: 'tick', everyNs: 10 * MIN, wake: true, busyNs: 5 * S, ops: [] })],
        }),
      ],
    });
    const sys = system('imx6sl-evk', sc, 'none');
    const st = sys.run();
    // Setup, then one suspend after it and after each of the 5 wake-ups before the end.
    expect(st.suspendCount).toBe(6);
    const e = sys.energy();
    expect(e.awakeNs + e.selfRefreshNs).toBeCloseTo(st.simulatedNs, 0);
    expect(st.simulatedNs - 3600e9).toBeLessThan(1e5); // the last wake-up's exit sequence, at most
    // Awake: each wake-up's 5 s busy + 1 s idle, the setup's idle second and the setup's reads.
    expect(st.suspendedNs / 1e9).toBeGreaterThan(3600 - 5 * 6 - 1 - 5);
    expect(st.suspendedNs / 1e9).toBeLessThan(3600 - 5 * 6 - 1);
  });
});

describe('the workload is the same whatever the policy', () => {
  it('wakes the system at the same times with every policy (same seed): a policy changes memory, never the clock of the workload', () => {
    const wakeTimes = (policy: string): number[] => {
      const sys = system('imx6sl-evk', tinyScenario(), policy, { recordTrace: true });
      sys.run();
      return sys.trace.events.filter((e) => e.kind === 'sys.resume' && e.wakeSource === 'sync').map((e) => e.tNs);
    };
    const none = wakeTimes('none');
    expect(none.length).toBeGreaterThan(5);
    for (const policy of ['balloon', 'hotplug-suspend', 'sorted-buddy'])
      expect(wakeTimes(policy), policy).toEqual(none);
  });
});

describe('wake-ups that fall due while a suspend is prepared', () => {
  /** A policy whose suspend preparation takes 30 s of CPU time (as offlining memory blocks may). */
  function slowToSuspend(): PasrPolicy {
    let ctx: PolicyContext;
    return {
      name: 'slow-to-suspend',
      attach(c) {
        ctx = c;
      },
      beforeSuspend() {
        ctx.clock.advance(30 * S);
      },
    };
  }

  it('end the suspend at once: the system never sleeps through a pending wake-up', () => {
    const sc = tinyScenario({
      durationNs: 10 * MIN,
      phases: [
        phase({
          name: 'p',
          durationNs: 10 * MIN,
          idleBeforeSuspendNs: 1 * S,
          activities: [activity({ name: 'tick', everyNs: 10 * S, wake: true, busyNs: 1 * S, ops: [] })],
        }),
      ],
    });
    const sys = new System(shippedBoard('imx6sl-evk'), sc, slowToSuspend(), { seed: 1, recordTrace: true });
    const st = sys.run();
    const resumes = sys.trace.events.filter((e) => e.kind === 'sys.resume');
    // Every preparation overruns the next tick: each suspend ends as soon as it is entered.
    expect(resumes.length).toBe(st.suspendCount);
    expect(st.suspendCount).toBeGreaterThan(10);
    expect(resumes.slice(0, -1).every((e) => e.kind === 'sys.resume' && e.wakeSource === 'tick')).toBe(true);
    expect(st.suspendedNs).toBeLessThan(1 * S);
  });
});

/** A policy that masks one given unit before every suspend and unmasks it at resume. */
function oneUnit(unit: number): PasrPolicy {
  let ctx: PolicyContext;
  return {
    name: 'one-unit',
    attach(c) {
      ctx = c;
    },
    beforeSuspend() {
      const r = ctx.core.mask(unit, 'one-unit');
      if (!r.ok) throw new Error(r.reason);
    },
    afterResume() {
      ctx.core.unmask(unit, 'one-unit');
    },
  };
}

describe('energy of a run, to the joule', () => {
  // imx6sl-evk at 45 °C: two dies, IDD6 full array VDD1 1.2 mA at 1.8 V + VDD2 2.6 mA at 1.2 V each.
  const PER_DIE_W = (1.8 * 1.2 + 1.2 * 2.6) / 1000;
  const quiet: Scenario = {
    name: 'quiet',
    description: '',
    durationNs: 1000 * S,
    sets: [],
    slabCaches: [],
    setup: [],
    phases: [phase({ name: 'sleep', durationNs: 1000 * S, idleBeforeSuspendNs: 0 })],
  };

  it('self-refresh with the whole array refreshed: dies × IDD6 × V × time', () => {
    const sys = new System(shippedBoard('imx6sl-evk'), quiet, oneUnitOrNone(null), { seed: 1 });
    const st = sys.run();
    const e = sys.energy();
    expect(st.suspendedNs).toBeGreaterThan(999e9);
    expect(rel(e.selfRefreshJ.mid, 2 * PER_DIE_W * (st.suspendedNs / 1e9))).toBeLessThan(1e-12);
  });

  it('one segment of one die masked: that die draws (1 - s/8) of its IDD6, s the arrayShare at 45 °C', () => {
    const config = shippedBoard('imx6sl-evk');
    const sys = new System(config, quiet, oneUnitOrNone(15), { seed: 1, recordTrace: true });
    const st = sys.run();
    const unit = sys.map.units[15]!;
    expect(unit.dies.length).toBe(1);
    const s = arrayShareAt(45);
    const t = st.suspendedNs / 1e9;
    const e = sys.energy();
    expect(rel(e.selfRefreshJ.mid, PER_DIE_W * t * (2 - s.mid / 8))).toBeLessThan(1e-12);
    expect(rel(e.selfRefreshJ.low, PER_DIE_W * t * (2 - s.low / 8))).toBeLessThan(1e-12);
    expect(rel(e.selfRefreshJ.high, PER_DIE_W * t * (2 - s.high / 8))).toBeLessThan(1e-12);
    expect(st.maskedUnitSeconds).toBeCloseTo(t, 6);
    const masks = sys.trace.ofKind('pasr.mask');
    expect(masks.map((m) => [m.unit, m.register, m.bit, m.dies])).toEqual([[15, 'MR17', unit.bit, unit.dies]]);
    const mrw = sys.trace.ofKind('dram.mrw').filter((m) => m.mr === 17 && m.die === unit.dies[0]);
    expect(mrw.map((m) => m.value)).toEqual([0, 2 ** unit.bit, 0]);
  });
});

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

function oneUnitOrNone(unit: number | null): PasrPolicy {
  return unit === null ? { name: 'none', attach() {} } : oneUnit(unit);
}

const arbOp = (sets: string[]): fc.Arbitrary<Op> =>
  fc.oneof(
    fc.record({
      op: fc.constant('read' as const),
      set: fc.constant('files'),
      size: fc.double({ min: 0, max: 0.05, noNaN: true }),
      pattern: fc.constantFrom('sequential' as const, 'random' as const, 'hot' as const),
      writeShare: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    fc.record({
      op: fc.constant('touch' as const),
      set: fc.constantFrom(...sets),
      size: fc.double({ min: 0, max: 0.05, noNaN: true }),
      pattern: fc.constantFrom('sequential' as const, 'random' as const, 'hot' as const),
    }),
    fc.record({
      op: fc.constant('release' as const),
      set: fc.constantFrom(...sets, 'files'),
      size: fc.double({ min: 0, max: 0.05, noNaN: true }),
    }),
    fc.record({
      op: fc.constant('kalloc' as const),
      set: fc.constant('kbuf'),
      size: fc.double({ min: 0, max: 0.005, noNaN: true }),
    }),
    fc.record({
      op: fc.constant('kfree' as const),
      set: fc.constant('kbuf'),
      size: fc.double({ min: 0, max: 0.005, noNaN: true }),
    }),
    fc.record({
      op: fc.constant('slab' as const),
      cache: fc.constant('dentry'),
      size: fc.double({ min: 0, max: 0.01, noNaN: true }),
    }),
    fc.record({
      op: fc.constant('slabFree' as const),
      cache: fc.constant('dentry'),
      size: fc.double({ min: 0, max: 0.01, noNaN: true }),
    }),
    fc.record({
      op: fc.constant('pin' as const),
      set: fc.constantFrom(...sets),
      size: fc.double({ min: 0, max: 0.002, noNaN: true }),
    }),
    fc.record({ op: fc.constant('unpin' as const), set: fc.constantFrom(...sets) }),
  );

const arbScenario: fc.Arbitrary<Scenario> = fc
  .record({
    ops: fc.array(arbOp(['proc', 'heap']), { minLength: 1, maxLength: 6 }),
    every: fc.integer({ min: 1, max: 20 }),
    busy: fc.integer({ min: 0, max: 30 }),
    jitter: fc.double({ min: 0, max: 1, noNaN: true }),
    suspend: fc.boolean(),
  })
  .map(({ ops, every, busy, jitter, suspend }) =>
    tinyScenario({
      durationNs: 30 * MIN,
      sets: [
        { name: 'files', type: 'file', size: 0.8 },
        { name: 'proc', type: 'anon', size: 0.3 },
        { name: 'heap', type: 'anon', size: 0.4 },
        { name: 'kbuf', type: 'kernel', size: 0.05 },
      ],
      phases: [
        phase({
          name: 'random',
          durationNs: 15 * MIN,
          suspend,
          activities: [activity({ name: 'work', everyNs: every * MIN, jitter, wake: true, busyNs: busy * S, ops })],
        }),
        phase({
          name: 'rest',
          durationNs: 15 * MIN,
          activities: [activity({ name: 'tick', everyNs: 4 * MIN, wake: true, ops: [] })],
        }),
      ],
    }),
  );

describe('random scenarios', () => {
  it('none and oracle lose nothing, and the census equals a full scan after every step (small boards)', () => {
    fc.assert(
      fc.property(
        arbScenario,
        fc.constantFrom('imx6sl-evk', 'snowball', 'pandaboard-es'),
        fc.constantFrom('none', 'oracle'),
        (sc, board, policy) => {
          const sys = system(board, sc, policy, { checkEveryStep: true });
          const st = sys.run();
          expect(st.violations).toBe(0);
          expect(st.dataLossPages).toBe(0);
          expect(st.errors).toEqual([]);
        },
      ),
      { numRuns: 8, seed: 20261204 },
    );
  }, 180_000);

  it('the same seed gives the same report on every shipped board', () => {
    fc.assert(
      fc.property(arbScenario, fc.constantFrom(...SHIPPED), fc.integer({ min: 0, max: 1000 }), (sc, board, seed) => {
        const config = shippedBoard(board);
        const short = { ...sc, durationNs: 10 * MIN };
        const a = runScenario({ config, scenario: short, policy: 'oracle', seed });
        const b = runScenario({ config, scenario: short, policy: 'oracle', seed });
        expect(JSON.stringify(a.report)).toBe(JSON.stringify(b.report));
        expect(a.report.dataLossPages + a.report.violations).toBe(0);
      }),
      { numRuns: 6, seed: 42 },
    );
  }, 180_000);
});
