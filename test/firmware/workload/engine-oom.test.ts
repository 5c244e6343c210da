import { describe, expect, it } from 'vitest';
import { PageKind } from '../../../firmware/mm/page-flags.js';
import { phase, system, tinyScenario } from '../system/harness.js';

describe('workload engine: the OOM killer', () => {
  it('kills the set being touched while its page is allocated: that page goes with it, none stays resident', () => {
    // snowball has no swap: touching 99 % of RAM in one set cannot succeed.
    const sc = tinyScenario({
      durationNs: 60e9,
      sets: [{ name: 'big', type: 'anon', size: 1 }],
      slabCaches: [],
      setup: [{ op: 'touch', set: 'big', size: 0.99, pattern: 'sequential' }],
      phases: [phase({ name: 'idle', durationNs: 60e9, suspend: false })],
    });
    const sys = system('snowball', sc, 'none', { checkEveryStep: true });
    const stats = sys.run();
    expect(sys.engine.stats.oomKills).toBeGreaterThan(0);
    expect(stats.errors).toEqual([]);
    let anon = 0;
    for (const z of sys.mm.pa.zones) anon += z.nrKind[PageKind.ANON]!;
    expect(anon).toBe(0);
  });
});
