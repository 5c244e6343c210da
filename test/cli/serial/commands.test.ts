import { afterEach, describe, expect, it } from 'vitest';
import { SimClock } from '../../../hal/clock.js';
import { TraceBus } from '../../../hal/trace/trace-bus.js';
import { Board } from '../../../hal/board/board.js';
import { runProgram } from '../../../hal/register-program.js';
import { createDriver } from '../../../firmware/drivers/create-driver.js';
import {
  applyWrites,
  boardApply,
  boardReplay,
  describeFailure,
  parseSegmentList,
  replayProgram,
} from '../../../cli/serial/commands.js';
import { serveBoardOnPty, type ServedPty } from '../../../cli/serial/serve.js';
import { CliError } from '../../../cli/errors.js';
import type { ConsoleStep } from '../../../hal/uboot/console-executor.js';
import type { BoardConfig } from '../../../hal/board/board-config.js';
import { captureIo, loadBoard, TEST_CONSOLE } from './helpers.js';

const panda = loadBoard('pandaboard-es');
const imx8mp = loadBoard('imx8mp-evk');
let served: ServedPty | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

/** The boot loader's DRAM init of every controller, run on an emulated board, as a trace. */
function dramInitTrace(config: BoardConfig) {
  const clock = new SimClock();
  const trace = new TraceBus(clock);
  const board = new Board(config, clock, trace);
  for (const c of config.controllers) {
    const r = runProgram(createDriver(c, config.standard).dramInit(), board.bus, clock);
    if (!r.ok) throw new Error(r.reason);
  }
  return trace.events;
}

describe('board apply: choosing masks', () => {
  it('parses segment lists into masks and rejects what the die does not have', () => {
    expect(parseSegmentList('4-7', 8)).toBe(0xf0);
    expect(parseSegmentList('0,2, 5-6', 8)).toBe(0x65);
    expect(() => parseSegmentList('6-7', 6)).toThrow('--segments 6-7: segment 7 does not exist (segments 0-5)');
    expect(() => parseSegmentList('5-3', 8)).toThrow('--segments 5-3: range 5-3 runs backwards');
    expect(() => parseSegmentList('x', 8)).toThrow('--segments x: "x" is not a segment number or range');
    expect(() => parseSegmentList(' ', 8)).toThrow('--segments: empty list (use e.g. 4-7 or 1,3)');
  });

  it('checks the die, the register and the value range per die', () => {
    expect(applyWrites({ board: panda, die: ['emif1.cs0', 'emif1.cs0', 'emif2.cs1'], mr16: 0x81 })).toEqual([
      { die: 'emif1.cs0', mr: 16, value: 0x81 },
      { die: 'emif2.cs1', mr: 16, value: 0x81 },
    ]);
    expect(() => applyWrites({ board: panda, die: ['emif3.cs0'], mr17: 1 })).toThrow(
      '--die emif3.cs0: board pandaboard-es has no such die (dies: emif1.cs0, emif1.cs1, emif2.cs0, emif2.cs1)',
    );
    expect(() => applyWrites({ board: panda, die: ['emif1.cs0'], mr16: 1, mr17: 1 })).toThrow(
      'apply: give exactly one of --mr16, --mr17, --segments',
    );
    expect(() => applyWrites({ board: panda, die: [], mr17: 1 })).toThrow('apply: give at least one --die');
    expect(() => applyWrites({ board: panda, die: ['emif1.cs0'], mr16: 0x100 })).toThrow(
      '--mr16 256: die emif1.cs0 takes 0..0xff (8 banks)',
    );
    const six = imx8mp.dies[0]!.id;
    expect(() => applyWrites({ board: imx8mp, die: [six], mr17: 0xf0 })).toThrow(
      `--mr17 240: die ${six} has segments 0-5 (mask 0..0x3f)`,
    );
  });

  it('says which other dies an MRW reaches (both channels of an LPDDR4 rank)', async () => {
    const io = captureIo();
    const imx8mm = loadBoard('imx8mm-evk');
    const die = imx8mm.dies[0]!.id;
    expect(await boardApply({ board: imx8mm, die: [die], segments: '4-7', dryRun: true }, io)).toBe(0);
    expect(io.stderr[0]).toMatch(
      new RegExp(`^note: an MRW to ${die.replace(/\./g, '\\.')} also reaches \\S+ \\(they share its command bus\\)$`),
    );
  });
});

describe('board replay: what is replayed and what is refused', () => {
  it('refuses an empty trace and a trace from another board', () => {
    expect(() => replayProgram({ board: panda, trace: [], traceName: 'empty.pasrtrace' })).toThrow(
      'empty.pasrtrace: no mmio.write events to replay',
    );
    const imx = dramInitTrace(loadBoard('imx8mm-evk'));
    expect(() => replayProgram({ board: panda, trace: imx, traceName: 'imx.pasrtrace' })).toThrow(CliError);
  });

  it('finds the DRAM-init hazard in a boot trace, names the write, and sends nothing without --force', async () => {
    const events = dramInitTrace(panda);
    const p = replayProgram({ board: panda, trace: events, traceName: 'boot.pasrtrace' });
    expect(p.hazards.map((h) => h.code)).toEqual(['dram-init-live']);
    expect(p.hazards[0]!.message).toMatch(
      /^write #3 \(seq \d+, emif1\.LPDDR2_MODE_REG_DATA\) issues MR10 = 0xFF \(ZQ init\) on emif1\.cs0: /,
    );

    served = await serveBoardOnPty(panda);
    const io = captureIo();
    expect(
      await boardReplay({ board: panda, trace: events, traceName: 'boot.pasrtrace', port: served.pty.path }, io, {
        consoleOptions: TEST_CONSOLE,
      }),
    ).toBe(1);
    expect(io.stderr[1]).toBe(`nothing was sent: 0 of ${p.ops.length} writes applied`);
    expect(served.server.commandCount).toBe(0);
    const forced = captureIo();
    expect(
      await boardReplay(
        { board: panda, trace: events, traceName: 'boot.pasrtrace', port: served.pty.path, force: true },
        forced,
        { consoleOptions: TEST_CONSOLE },
      ),
    ).toBe(0);
    expect(forced.stderr[0]).toMatch(/^warning: ran despite hazard dram-init-live: write #3/);
    expect(served.server.commandCount).toBe(p.ops.length);
  });

  it('finds the MMDC CON_REQ hazard in an i.MX6 trace', () => {
    const imx6 = loadBoard('imx6sl-evk');
    expect(replayProgram({ board: imx6, trace: dramInitTrace(imx6) }).hazards.map((h) => h.code)).toEqual([
      'mmdc-con-req-stall',
      'dram-init-live',
    ]);
  });
});

describe('failure reports', () => {
  it('shortens long lists of applied and not-applied steps', () => {
    const step = (i: number): ConsoleStep => ({
      index: i,
      op: { op: 'write', address: 4 * i, value: i },
      command: `mw.l ${i}`,
      comment: '',
    });
    const lines = describeFailure(
      {
        ok: false,
        program: 'p',
        applied: 20,
        failedAt: 20,
        code: 'board-reset',
        reason: 'boom',
        reads: {},
        appliedSteps: Array.from({ length: 20 }, (_, i) => step(i)),
        uncertainStep: undefined,
        notAppliedSteps: [20, 21, 22].map(step),
        boardReset: true,
        hazards: [],
        error: undefined,
        forced: [],
      },
      'writes',
    );
    expect(lines).toEqual([
      'pasr: boom',
      'applied 20 of 23 writes (then undone by the board reset):',
      ...[0, 1, 2, 3, 4, 5].map((i) => `  applied      #${i} mw.l ${i}`),
      '  applied      … 11 more (#6-#16) …',
      ...[17, 18, 19].map((i) => `  applied      #${i} mw.l ${i}`),
      ...[20, 21, 22].map((i) => `  not applied  #${i} mw.l ${i}`),
    ]);
  });
});
