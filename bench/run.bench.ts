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
import { parseBoardConfig } from '../hal/board/load-board.js';
import type { BoardConfig } from '../hal/board/board-config.js';
import { SimClock } from '../hal/clock.js';
import { TraceBus } from '../hal/trace/trace-bus.js';
import { bootBoard } from '../firmware/boot/boot.js';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../firmware/mm/gfp.js';
import type { MemoryManager } from '../firmware/mm/memory-manager.js';
import { PageKind } from '../firmware/mm/page-flags.js';
import { PasrCensus } from '../firmware/pasr/census.js';
import { createPolicy } from '../firmware/pasr/policies/index.js';
import { System } from '../firmware/system/system.js';
import { parseScenario } from '../firmware/workload/load-scenario.js';
import type { Scenario } from '../firmware/workload/scenario.js';
import { median } from './stats.js';

function board(root: string, name: string): BoardConfig {
  const file = join(root, 'board-configs', `${name}.json`);
  const r = parseBoardConfig(readFileSync(file, 'utf8'), file);
  if (!r.ok) throw new Error(`${file}: ${r.problems.map((p) => p.message).join('; ')}`);
  return r.board;
}

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

/** Allocator ops per second of a fixed mixed churn. */
export function churn(mm: MemoryManager, orders: Int32Array, gfps: Int32Array): number {
  const live = 4096;
  const ring = new Int32Array(live).fill(-1);
  const ringOrder = new Int32Array(live);
  const t0 = performance.now();
  for (let i = 0; i < orders.length; i++) {
    const slot = i & (live - 1);
    if (ring[slot]! >= 0) mm.freePages(ring[slot]!, ringOrder[slot]!);
    const p = mm.allocPages(orders[i]!, gfps[i]!, gfps[i] === GFP_KERNEL ? PageKind.KERNEL : PageKind.ANON);
    if (typeof p !== 'number') throw new Error(`bench: churn allocation failed: ${p.reason}`);
    ring[slot] = p;
    ringOrder[slot] = orders[i]!;
  }
  const ms = performance.now() - t0;
  for (let s = 0; s < live; s++) if (ring[s]! >= 0) mm.freePages(ring[s]!, ringOrder[s]!);
  return (2 * orders.length) / (ms / 1000);
}

export function runRunBench(root: string): Record<string, number> {
  const out: Record<string, number> = {};
  const phone = scenario(root, 'phone-standby-day');
  const panda = runSeconds(board(root, 'pandaboard-es'), phone);
  out['run.phoneDay.pandaboard.seconds'] = panda.seconds;
  out['run.phoneDay.pandaboard.simPerWall'] = panda.simulated / panda.seconds;
  out['run.phoneDay.lp4x-quad-16g.seconds'] = runSeconds(board(root, 'lp4x-quad-16g'), phone).seconds;

  const config = board(root, 'pandaboard-es');
  const off = bootedMm(config, false);
  const on = bootedMm(config, true);
  let x = 12345;
  const rnd = (): number => {
    x = (x * 1103515245 + 12345) >>> 0;
    return x / 2 ** 32;
  };
  const n = 400_000;
  const orders = Int32Array.from({ length: n }, () => (rnd() < 0.7 ? 0 : 1 + Math.floor(rnd() * 3)));
  const gfps = Int32Array.from({ length: n }, () => (rnd() < 0.7 ? GFP_HIGHUSER_MOVABLE : GFP_KERNEL));
  const a: number[] = [];
  const b: number[] = [];
  // Warm both, then alternate which goes first (A B B A ...) so neither gets the warmer slot.
  churn(off, orders, gfps);
  churn(on, orders, gfps);
  for (let i = 0; i < 10; i++) {
    if (i % 2 === 0) {
      b.push(churn(off, orders, gfps));
      a.push(churn(on, orders, gfps));
    } else {
      a.push(churn(on, orders, gfps));
      b.push(churn(off, orders, gfps));
    }
  }
  out['census.allocOpsPerSec'] = median(a);
  out['census.allocOverheadPercent'] = (median(b) / median(a) - 1) * 100;
  return out;
}
