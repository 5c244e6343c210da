/**
 * System runs and the census:
 *  run.phoneDay.pandaboard.seconds      wall time of a 24 h phone-standby-day with the oracle policy
 *                                       on pandaboard-es (one run, the policy's: no baseline)
 *  run.phoneDay.lp4x-quad-16g.seconds   the same on the 16 GiB board
 *  run.phoneDay.pandaboard.simPerWall   simulated seconds per wall second of that run
 *  census.allocOverheadPercent          allocator ops/s of a fixed churn (orders 0-3, movable and
 *                                       unmovable, 4096 live blocks) with the PASR census (kind
 *                                       counters cut at the PASR units' boundaries) versus the
 *                                       default cut (one cell per zone): (off / on - 1) x 100,
 *                                       medians of interleaved runs in one process
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBoard } from '../cli/board-files.js';
import type { BoardConfig } from '../hal/board/board-config.js';
import { SimClock } from '../hal/clock.js';
import { TraceBus } from '../hal/trace/trace-bus.js';
import { bootBoard } from '../firmware/boot/boot.js';
import type { MemoryManager } from '../firmware/mm/memory-manager.js';
import { PasrCensus } from '../firmware/pasr/census.js';
import { createPolicy } from '../firmware/pasr/policies/index.js';
import { System } from '../firmware/system/system.js';
import { parseScenario } from '../firmware/workload/load-scenario.js';
import type { Scenario } from '../firmware/workload/scenario.js';
import { churn, churnInput } from './churn.js';
import { median } from './stats.js';

function scenario(root: string, name: string): Scenario {
  const r = parseScenario(readFileSync(join(root, 'workloads', `${name}.json`), 'utf8'));
  if (!r.ok) throw new Error(`${name}: ${r.problems.map((p) => p.message).join('; ')}`);
  return r.scenario;
}

function runSeconds(config: BoardConfig, sc: Scenario): { seconds: number; simulated: number } {
  const t0 = performance.now();
  const sys = new System(config, sc, createPolicy('oracle'), { seed: 1 });
  const st = sys.run();
  return { seconds: (performance.now() - t0) / 1000, simulated: st.simulatedNs / 1e9 };
}

function bootedMm(config: BoardConfig, census: boolean): MemoryManager {
  const clock = new SimClock();
  const r = bootBoard(config, clock, new TraceBus(clock, false));
  if (!r.kernel) throw new Error('boot failed');
  if (census) new PasrCensus(r.kernel.mm, r.kernel.pasr);
  return r.kernel.mm;
}

export function runRunBench(root: string): Record<string, number> {
  const out: Record<string, number> = {};
  const phone = scenario(root, 'phone-standby-day');
  const panda = runSeconds(loadBoard('pandaboard-es', {}), phone);
  out['run.phoneDay.pandaboard.seconds'] = panda.seconds;
  out['run.phoneDay.pandaboard.simPerWall'] = panda.simulated / panda.seconds;
  out['run.phoneDay.lp4x-quad-16g.seconds'] = runSeconds(loadBoard('lp4x-quad-16g', {}), phone).seconds;

  const config = loadBoard('pandaboard-es', {});
  const off = bootedMm(config, false);
  const on = bootedMm(config, true);
  const input = churnInput();
  const a: number[] = [];
  const b: number[] = [];
  // Warm both, then alternate which goes first (A B B A ...) so neither gets the warmer slot.
  churn(off, input);
  churn(on, input);
  for (let i = 0; i < 10; i++) {
    if (i % 2 === 0) {
      b.push(churn(off, input));
      a.push(churn(on, input));
    } else {
      a.push(churn(on, input));
      b.push(churn(off, input));
    }
  }
  out['census.allocOpsPerSec'] = median(a);
  out['census.allocOverheadPercent'] = (median(b) / median(a) - 1) * 100;
  return out;
}
