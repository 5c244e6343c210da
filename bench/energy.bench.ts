import { loadBoard } from '../cli/board-files.js';
import { Board } from '../hal/board/board.js';
import { SimClock } from '../hal/clock.js';
import { TraceBus } from '../hal/trace/trace-bus.js';
import { EnergyMeter } from '../firmware/energy/energy-meter.js';
import { median } from './stats.js';

const REPEATS = 5;
const STEPS = 43_200; // 24 h of simulated standby, one governor step per 2 s (target: 10 s of wall time)

/**
 * Wall time of the energy meter over 24 h of simulated standby on the largest shipped board
 * (16 dies): each 2 s step is 50 ms awake and 1.95 s in self-refresh, the masks changing every
 * 100 steps and the temperature every 1000 (so the self-refresh line is recomputed). Median of
 * repeats; the figure is independent of the simulated time (event-based).
 */
export function runEnergyBench(): Record<string, number> {
  const clock = new SimClock();
  const board = new Board(loadBoard('lp4x-quad-16g', {}), clock, new TraceBus(clock));
  const times: number[] = [];
  let sink = 0;
  for (let rep = 0; rep <= REPEATS; rep++) {
    const meter = new EnergyMeter(board);
    const t0 = performance.now();
    const fractions: Record<string, number> = {};
    for (let i = 0; i < STEPS; i++) {
      if (i % 100 === 0) for (const d of board.dies) fractions[d.id] = 1 - ((i / 100) % 8) / 8;
      if (i % 1000 === 0) for (const d of board.dies) d.temperatureC = 40 + ((i / 1000) % 50);
      meter.awake(50e6, 0.1);
      meter.selfRefresh(1.95e9, fractions);
    }
    sink += meter.report().dramJ.mid;
    if (rep > 0) times.push(performance.now() - t0);
  }
  if (!(sink > 0)) throw new Error('energy bench computed no energy');
  return { 'energy.24h.16dies.ms': median(times) };
}
