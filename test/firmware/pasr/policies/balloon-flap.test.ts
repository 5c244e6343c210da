import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../../../firmware/workload/scenario.js';
import { runScenario } from '../../../../firmware/system/run-report.js';
import { shippedBoard } from '../../boot/boards.js';
import { H, S, activity, phase } from '../../system/harness.js';
import { shippedScenario } from '../../system/workload-json.js';

/**
 * The busy no-op virtio-balloon met with its 2018 shrinker: a device streams a file larger than
 * RAM in short wake-ups; every wake-up fills free memory with page cache, reclaim runs and the
 * shrinker gives a unit back, and at the next idle the governor takes one again, dropping the
 * page cache in it (workloads/balloon-flap.json holds the same scenario).
 */
const BALLOON_FLAP: Scenario = {
  name: 'balloon-flap',
  description:
    'A device that streams a file larger than RAM in short wake-ups and sleeps in between: every wake-up fills free memory with page cache, so reclaim runs and a balloon deflated by a shrinker gives units back, which its governor takes again at the next idle (the busy no-op virtio-balloon met with its 2018 shrinker)',
  durationNs: 1 * H,
  sets: [
    { name: 'stream', type: 'file', size: 3 },
    { name: 'player', type: 'anon', size: 0.1 },
    { name: 'kernel', type: 'kernel', size: 0.03 },
  ],
  slabCaches: [],
  setup: [
    { op: 'kalloc', set: 'kernel', size: 0.02 },
    { op: 'touch', set: 'player', size: 0.08, pattern: 'sequential' },
  ],
  phases: [
    phase({
      name: 'streaming',
      durationNs: 1 * H,
      idleBeforeSuspendNs: 1 * S,
      activeShare: 0.05,
      expectedDemand: 0.02,
      activities: [
        activity({
          name: 'fetch',
          everyNs: 30 * S,
          wake: true,
          busyNs: 1 * S,
          ops: [{ op: 'read', set: 'stream', size: 0.03, pattern: 'sequential', writeShare: 0 }],
        }),
      ],
    }),
  ],
};

const run = (deflate: string) =>
  runScenario({
    config: shippedBoard('imx6sl-evk'),
    scenario: BALLOON_FLAP,
    policy: 'balloon',
    policyOptions: { deflate },
    seed: 7,
  }).report;

describe('balloon: the shrinker’s busy no-op', () => {
  it('is the scenario shipped as workloads/balloon-flap.json', () => {
    expect(shippedScenario('balloon-flap')).toEqual(BALLOON_FLAP);
  });

  it('with the shrinker, reclaim of page cache shrinks the balloon and the governor grows it back, over and over; the OOM notifier and PSI triggers leave it alone', () => {
    const shrinker = run('shrinker');
    const oom = run('oom');
    const psi = run('psi');
    const s = shrinker.policyStats;
    // Nearly every shrinker release is taken back within FLAP_WINDOW_NS: a busy no-op.
    expect(s.releasesShrinker).toBeGreaterThan(10);
    expect(s.balloonFlaps).toBeGreaterThan(s.releasesShrinker! / 2);
    expect(s.inflateDiscardedPages).toBeGreaterThan(10 * 16384);
    for (const r of [oom, psi]) {
      expect(r.policyStats.balloonFlaps).toBe(0);
      expect(r.policyStats.releasesShrinker).toBe(0);
    }
    // It costs: more mechanism energy and less saving than the balloon that stays put.
    expect(shrinker.cpuJ.policy).toBeGreaterThan(oom.cpuJ.policy);
    expect(shrinker.savingPercent).toBeLessThan(oom.savingPercent);
    for (const r of [shrinker, oom, psi]) {
      expect([r.violations, r.dataLossPages, r.oomKills, r.errors.length]).toEqual([0, 0, 0, 0]);
      expect(r.savingPercent).toBeLessThanOrEqual(r.oraclePercent);
    }
  }, 120_000);
});
