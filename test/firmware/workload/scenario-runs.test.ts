import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatProblem, parseScenario } from '../../../firmware/workload/load-scenario.js';
import type { Scenario } from '../../../firmware/workload/scenario.js';
import { System } from '../../../firmware/system/system.js';
import { oraclePolicy } from '../../../firmware/pasr/policies/oracle.js';
import { nonePolicy } from '../../../firmware/pasr/policies/none.js';
import { shippedBoard } from '../boot/boards.js';

const HOUR = 3600e9;

function load(text: string): Scenario {
  const r = parseScenario(text);
  if (!r.ok) throw new Error(r.problems.map((p) => formatProblem('s.json', p)).join('\n'));
  return r.scenario;
}

describe('the run loop runs what the loader accepts', () => {
  it('example-nap on pandaboard-es: two hours, suspended between wake-ups, nothing lost', () => {
    const scenario = load(readFileSync(join(import.meta.dirname, '../../../workloads/example-nap.json'), 'utf8'));
    const sys = new System(shippedBoard('pandaboard-es'), scenario, oraclePolicy(), { seed: 1 });
    const stats = sys.run();
    const pages = sys.mm.memmap.nrPages;
    expect(stats.simulatedNs).toBe(2 * HOUR);
    // Modem (every 15 min, Poisson) and sync (every 20 min) wake the system in the 118 min nap.
    expect(stats.suspendCount).toBeGreaterThanOrEqual(5);
    expect(stats.suspendedNs).toBeGreaterThan(1.9 * HOUR);
    expect(stats.violations).toBe(0);
    expect(stats.dataLossPages).toBe(0);
    expect(stats.errors).toEqual([]);
    const w = sys.engine.stats;
    expect(w.touches).toBe(Math.round(0.06 * pages));
    expect(w.released).toBe(w.touches);
    expect(w.reads).toBeGreaterThanOrEqual(Math.round(0.05 * pages) + Math.round(0.04 * pages));
    expect(w.kernelPages).toBe(Math.round(0.01 * pages));
    expect(w.failedAllocs).toBe(0);
  });

  it('random accepted scenarios run to their end with every invariant kept', () => {
    const size = fc.double({ min: 0.001, max: 10, noNaN: true }).map((x) => `${x.toFixed(3)}%`);
    const setOp = (set: string, ops: string[]) =>
      fc.tuple(fc.constantFrom(...ops), size).map(([op, s]) => ({ op, set, size: s }));
    const op = fc.oneof(
      setOp('cache', ['read', 'release']),
      setOp('proc', ['touch', 'pin', 'release']),
      setOp('slabby', ['kalloc', 'kfree']),
      fc.constant({ op: 'unpin', set: 'proc' }),
      size.map((s) => ({ op: 'slab', cache: 'dentry', size: s })),
      fc.constant({ op: 'slabFree', cache: 'dentry' }),
      fc.constant({ op: 'knob', action: 'deflate' }),
    );
    const activity = fc.record({
      everySeconds: fc.integer({ min: 10, max: 600 }),
      jitter: fc.double({ min: 0, max: 1, noNaN: true }),
      wake: fc.boolean(),
      busy: fc.integer({ min: 0, max: 5000 }).map((ms) => `${ms}ms`),
      ops: fc.array(op, { maxLength: 3 }),
    });
    const phase = fc.record({
      minutes: fc.integer({ min: 1, max: 20 }),
      suspend: fc.boolean(),
      activities: fc.array(activity, { maxLength: 3 }),
    });
    // Periods of 10 s and more, sizes up to 10 %: well inside the loader's bounds on a run's work.
    const file = fc
      .record({
        setup: fc.array(op, { maxLength: 4 }),
        phases: fc.array(phase, { minLength: 1, maxLength: 3 }),
        fileSize: fc.integer({ min: 1, max: 300 }),
        anonSize: fc.integer({ min: 1, max: 30 }),
        order: fc.integer({ min: 0, max: 10 }),
      })
      .map((g) =>
        JSON.stringify({
          name: 'random',
          description: 'generated',
          duration: '40m',
          sets: {
            cache: { type: 'file', size: `${g.fileSize}%` },
            proc: { type: 'anon', size: `${g.anonSize}%` },
            slabby: { type: 'kernel', size: '10%', order: g.order },
          },
          slabCaches: { dentry: { objectBytes: 192 } },
          setup: g.setup,
          phases: g.phases.map(({ minutes, ...p }, i) => ({
            name: `p${i}`,
            duration: `${minutes}m`,
            ...p,
            // A period shorter than the phase (a longer one with jitter 0 never fires: the loader refuses it).
            activities: p.activities.map(({ everySeconds, ...a }, j) => ({
              name: `a${j}`,
              every: `${Math.min(everySeconds, minutes * 60 - 1)}s`,
              ...a,
            })),
          })),
        }),
      );
    const board = shippedBoard('snowball');
    fc.assert(
      fc.property(file, fc.nat(), (text, seed) => {
        const scenario = load(text);
        const sys = new System(board, scenario, seed % 2 ? oraclePolicy() : nonePolicy(), { seed });
        const stats = sys.run();
        // The run ends at its duration (a resume at the very end may add its self-refresh exit time).
        expect(stats.simulatedNs).toBeGreaterThanOrEqual(40 * 60e9);
        expect(stats.simulatedNs).toBeLessThan(40 * 60e9 + 10e6);
        expect(stats.dataLossPages).toBe(0);
        expect(() => sys.checkInvariants()).not.toThrow();
      }),
      { numRuns: 6 },
    );
  });
});
