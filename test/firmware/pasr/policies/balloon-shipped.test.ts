import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFLATE_MODES } from '../../../../firmware/pasr/policies/balloon.js';
import { runScenario } from '../../../../firmware/system/run-report.js';
import { shippedBoard } from '../../boot/boards.js';
import { WORKLOADS_DIR, shippedScenario } from '../../system/workload-json.js';

const WORKLOADS = readdirSync(WORKLOADS_DIR)
  .filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'))
  .map((f) => f.replace(/\.json$/, ''))
  .sort();

describe('balloon policy on the shipped workloads (snowball)', () => {
  it('ships the workloads it is checked on', () => {
    expect(WORKLOADS).toEqual(
      expect.arrayContaining(['balloon-flap', 'phone-standby-day', 'pressure-spike', 'server-steady']),
    );
  });

  for (const workload of WORKLOADS) {
    it(`${workload}: no violation, no lost page, no OOM kill the baseline does not have, never above the oracle`, () => {
      const config = shippedBoard('snowball');
      const scenario = shippedScenario(workload);
      for (const deflate of DEFLATE_MODES) {
        const { report, baseline } = runScenario({
          config,
          scenario,
          policy: 'balloon',
          policyOptions: { deflate },
          seed: 1,
        });
        const where = `${workload} --deflate ${deflate}`;
        expect([report.violations, report.dataLossPages], where).toEqual([0, 0]);
        expect(report.errors, where).toEqual([]);
        expect(report.oomKills, where).toBeLessThanOrEqual(baseline.engine.stats.oomKills);
        expect(report.savingPercent, where).toBeLessThanOrEqual(report.oraclePercent);
      }
    }, 300_000);
  }
});
