import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDriver } from '../../../firmware/drivers/create-driver.js';
import { Board } from '../../../hal/board/board.js';
import type { BoardConfig, ControllerKind } from '../../../hal/board/board-config.js';
import { parseBoardConfig } from '../../../hal/board/load-board.js';
import { SimClock } from '../../../hal/clock.js';
import { runProgram, type RegisterProgram } from '../../../hal/register-program.js';
import { TraceBus } from '../../../hal/trace/trace-bus.js';
import { fmtWrite } from '../../hal/memctrl/rig.js';

const DIR = join(import.meta.dirname, '..', '..', '..', 'board-configs');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'));

function load(file: string): BoardConfig {
  const res = parseBoardConfig(readFileSync(join(DIR, file), 'utf8'), file);
  if (!res.ok) throw new Error(`${file}: ${res.problems.length} problem(s)`);
  return res.board;
}

function boot(cfg: BoardConfig) {
  const clock = new SimClock();
  const trace = new TraceBus(clock);
  const board = new Board(cfg, clock, trace);
  const run = (p: RegisterProgram) => {
    const r = runProgram(p, board.bus, clock);
    if (!r.ok) throw new Error(`${cfg.name}: ${p.name} failed: ${r.reason}`);
    return r;
  };
  return { clock, trace, board, run };
}

/** The MMIO writes of one MRW MR17 = 0xF0 to the controller's first die, per controller kind. */
const MRW_MR17_F0: Record<ControllerKind, (rank: number) => string[]> = {
  'ti-emif': (cs) => [`LPDDR2_MODE_REG_CONFIG=0x${cs ? '8' : '0'}0000011`, 'LPDDR2_MODE_REG_DATA=0x000000f0'],
  'fsl-mmdc': (cs) => ['MDSCR=0x00008000', `MDSCR=0xf011803${cs ? '8' : '0'}`, 'MDSCR=0x00000000'],
  'snps-umctl2': (rank) => [
    `MRCTRL0=0x000000${(1 << rank).toString(16)}0`,
    'MRCTRL1=0x000011f0',
    `MRCTRL0=0x800000${(1 << rank).toString(16)}0`,
  ],
  'ste-prcmu': (cs) => [
    `PRCM_MBOX_HEADER=0x0000000${5 + cs}`,
    'PRCM_REQ_MB0=0x00f00000',
    'PRCM_MBOX_CPU_SET=0x00000001',
  ],
};

describe('drivers on the shipped boards', () => {
  it('finds the shipped boards', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(6);
  });

  for (const file of FILES) {
    it(`${file}: one MRW MR17=0xF0 per controller is the controller's documented MMIO sequence`, () => {
      const cfg = load(file);
      const { trace, run } = boot(cfg);
      for (const c of cfg.controllers) {
        const die = c.dies[0]!;
        const from = trace.events.length;
        run(createDriver(c, cfg.standard).mrw(die, 17, 0xf0));
        const writes = trace.events.slice(from).flatMap((e) => (e.kind === 'mmio.write' ? [fmtWrite(e)] : []));
        expect(writes, `${c.id} ${die.id}`).toEqual(MRW_MR17_F0[c.kind](die.rank));
      }
    });

    it(`${file}: DRAM init, identity MRR, PASR and a self-refresh cycle run with no guest error`, () => {
      const cfg = load(file);
      const { clock, trace, board, run } = boot(cfg);
      const drivers = cfg.controllers.map((c) => ({ c, d: createDriver(c, cfg.standard) }));
      for (const { d } of drivers) run(d.dramInit());
      for (const { c, d } of drivers) {
        if (!d.canMrr) continue;
        for (const die of c.dies) {
          const got = [5, 6, 7, 8].map((mr) => {
            const read = d.mrr(die, mr);
            return read.decode(run(read.program).reads);
          });
          expect(got, die.id).toEqual([die.part.mr5, die.part.mr6, die.part.mr7, die.part.mr8]);
        }
      }
      for (const { c, d } of drivers) for (const die of c.dies) run(d.pasrMasks(die, 0, 0));
      for (const { d } of drivers) run(d.selfRefreshEnter());
      expect(board.dies.every((x) => x.inSelfRefresh)).toBe(true);
      clock.advance(1_000_000);
      for (const { d } of drivers) run(d.selfRefreshExit());
      expect(board.dies.some((x) => x.inSelfRefresh)).toBe(false);
      expect(trace.ofKind('guest.error').map((e) => `${e.source}: ${e.message}`)).toEqual([]);
      for (const c of board.controllers) c.checkInvariants();
    });
  }
});
