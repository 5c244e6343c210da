import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBoardConfig } from '../hal/board/load-board.js';
import type { BoardConfig } from '../hal/board/board-config.js';
import { SimClock } from '../hal/clock.js';
import { TraceBus } from '../hal/trace/trace-bus.js';
import { bootBoard } from '../firmware/boot/boot.js';
import { median } from './stats.js';

const REPEATS = 5;

function load(root: string, name: string): BoardConfig {
  const file = join(root, 'board-configs', `${name}.json`);
  const r = parseBoardConfig(readFileSync(file, 'utf8'), file);
  if (!r.ok) throw new Error(`${file}: ${r.problems.map((p) => p.message).join('; ')}`);
  return r.board;
}

/**
 * Wall time of a full boot (board model, boot loader DRAM init with identity check, memblock,
 * zones, buddy allocator, PASR map) of the largest shipped board, median of repeats, plus
 * the time to parse and validate its config.
 */
export function runBootBench(root: string): Record<string, number> {
  const names = ['lp4x-quad-16g', 'pandaboard-es'];
  const out: Record<string, number> = {};
  for (const name of names) {
    const parse: number[] = [];
    const boot: number[] = [];
    let config = load(root, name);
    for (let i = 0; i < REPEATS + 1; i++) {
      const t0 = performance.now();
      config = load(root, name);
      const t1 = performance.now();
      const clock = new SimClock();
      const r = bootBoard(config, clock, new TraceBus(clock));
      const t2 = performance.now();
      if (!r.kernel) throw new Error(`${name} did not boot: ${r.bootloader.errors.join('; ')}`);
      if (i > 0) {
        parse.push(t1 - t0);
        boot.push(t2 - t1);
      }
    }
    out[`boot.${name}.ms`] = median(boot);
    out[`boardConfig.${name}.parseMs`] = median(parse);
    out[`boot.${name}.sizeGiB`] = config.dramSize / 2 ** 30;
  }
  return out;
}
