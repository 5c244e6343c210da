import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Board } from '../../../hal/board/board.js';
import { SimClock } from '../../../hal/clock.js';
import { TraceBus } from '../../../hal/trace/trace-bus.js';
import { runProgram } from '../../../hal/register-program.js';
import { boardApply, boardProbe, boardReplay, boardServe } from '../../../cli/serial/commands.js';
import { firmwareMrPrograms } from '../../../cli/serial/mr-programs.js';
import { serveBoardOnPty, type ServedPty } from '../../../cli/serial/serve.js';
import type { BoardConfig } from '../../../hal/board/board-config.js';
import type { TraceEvent } from '../../../hal/trace/events.js';
import { PassThrough } from 'node:stream';
import { StePrcmu } from '../../../hal/memctrl/ste-prcmu.js';
import { captureIo, loadBoard, TEST_CONSOLE } from './helpers.js';
import { SHIPPED } from '../../firmware/boot/boards.js';

/** Every shipped board (each has a driver for its memory controller). */
const BOARDS = SHIPPED;

const deps = { consoleOptions: TEST_CONSOLE };
/** pandaboard-es's interleave group: the DMM spreads every page over the four dies. */
const GROUP = ['emif1.cs0', 'emif1.cs1', 'emif2.cs0', 'emif2.cs1'];
let served: ServedPty | undefined;

afterEach(async () => {
  await served?.close();
  served = undefined;
});

/** The segment mask a die holds, or (PRCMU boards) the one latched for its next self-refresh. */
function segmentMask(board: Board, dieId: string): number {
  const c = board.controllers.find((x) => x.dies.some((d) => d.id === dieId))!;
  if (c instanceof StePrcmu) return c.pendingMasks(dieId)?.mr17 ?? 0;
  return board.die(dieId).mr17;
}

/** Wait (bounded) until `check` passes: work the served hardware finishes on its own (a mailbox ack). */
async function settled(check: () => void, ms = 1000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      check();
      return;
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** The trace of an emulated run: the driver's MRW program run on the emulated bus. */
function emulatedRun(
  config: BoardConfig,
  dieId: string,
  mr: number,
  value: number,
): { events: TraceEvent[]; board: Board } {
  const clock = new SimClock();
  const trace = new TraceBus(clock);
  const board = new Board(config, clock, trace);
  const r = runProgram(firmwareMrPrograms.mrw(config, dieId, mr, value), board.bus, clock);
  if (!r.ok) throw new Error(r.reason);
  // Let the hardware finish what the last write started (a busy window, a mailbox ack).
  clock.advance(1e6);
  return { events: trace.events, board };
}

describe('pandaboard-es through a real pty', () => {
  it('apply --mr17 0xf0 on the interleave group sets MR17 of all four dies through CONFIG/DATA of each EMIF', async () => {
    const config = loadBoard('pandaboard-es');
    served = await serveBoardOnPty(config);
    const io = captureIo();
    expect(await boardApply({ port: served.pty.path, board: config, die: GROUP, mr17: 0xf0 }, io, deps)).toBe(0);
    const emif1 = served.board.controller('emif1').blocks['emif']!;
    expect(emif1.get('LPDDR2_MODE_REG_CONFIG')).toBe(0x80000011);
    expect(emif1.get('LPDDR2_MODE_REG_DATA')).toBe(0x000000f0);
    for (const d of GROUP) expect(served.board.die(d).mr17).toBe(0xf0);
    expect(io.stdout).toEqual([
      ...GROUP.map((d) => `${d}: MR17 = 0xf0`),
      `applied 8 register operations on pandaboard-es over ${served.pty.path}`,
    ]);
  });

  it('apply to one die of the interleave group is refused before anything is sent, and runs with --force', async () => {
    const config = loadBoard('pandaboard-es');
    served = await serveBoardOnPty(config);
    const io = captureIo();
    const one = { port: served.pty.path, board: config, die: ['emif1.cs0'], mr17: 0xf0 };
    expect(await boardApply(one, io, deps)).toBe(1);
    expect(io.stderr[0]).toMatch(/^pasr: refused to run apply emif1\.cs0 MR17=0xf0: partial-interleave-group: /);
    expect(served.server.commandCount).toBe(0);
    const forced = captureIo();
    expect(await boardApply({ ...one, force: true }, forced, deps)).toBe(0);
    expect(forced.stderr[0]).toMatch(/^warning: ran despite hazard partial-interleave-group: /);
    expect(served.board.die('emif1.cs0').mr17).toBe(0xf0);
    expect(served.board.die('emif1.cs1').mr17).toBe(0);
  });

  it('prints the exact console commands with --dry-run and opens no port', async () => {
    const io = captureIo();
    const rc = await boardApply(
      { board: loadBoard('pandaboard-es'), die: ['emif1.cs0', 'emif2.cs1'], segments: '4-7', dryRun: true },
      io,
      {
        openPort: () => Promise.reject(new Error('dry run must not open a port')),
      },
    );
    expect(rc).toBe(0);
    expect(io.stdout).toEqual([
      '# program apply emif1.cs0 MR17=0xf0, emif2.cs1 MR17=0xf0: 4 operations',
      expect.stringMatching(
        /^# HAZARD partial-interleave-group: emif1\.cs0, emif2\.cs1 are interleaved with emif1\.cs1, emif2\.cs0 in 128 B pieces: /,
      ),
      '# 0: write (CS0 MR17)',
      'mw.l 0x4c000050 0x00000011',
      '# 1: write (MRW MR17=0xf0 -> emif1.cs0)',
      'mw.l 0x4c000040 0x000000f0',
      '# 2: write (CS1 MR17)',
      'mw.l 0x4d000050 0x80000011',
      '# 3: write (MRW MR17=0xf0 -> emif2.cs1)',
      'mw.l 0x4d000040 0x000000f0',
    ]);
    expect(io.stderr).toEqual(['note: these hazards make apply refuse without --force: partial-interleave-group']);
  });

  it('probe prints the identity of every die and exits 1 when the config disagrees with the board', async () => {
    const config = loadBoard('pandaboard-es');
    served = await serveBoardOnPty(config);
    const io = captureIo();
    expect(await boardProbe({ port: served.pty.path, board: config }, io, deps)).toBe(0);
    expect(io.stdout).toContain(
      '  emif1.cs0        MR5 0x03 MR6 0x00 MR7 0x00 MR8 0x14  Elpida; S4, 2048 Mbit, x32  ok',
    );
    expect(io.stdout.at(-1)).toBe('probe: board matches its config');

    const wrongPart = { ...config.dies[0]!.part, mr5: 0x01 };
    const wrong: BoardConfig = {
      ...config,
      dies: config.dies.map((d) => ({ ...d, part: wrongPart })),
      controllers: config.controllers.map((c) => ({
        ...c,
        registers: { ...c.registers, SDRAM_CONFIG: 0x80001ab1 },
        dies: c.dies.map((d) => ({ ...d, part: wrongPart })),
      })),
    };
    const io2 = captureIo();
    expect(await boardProbe({ port: served.pty.path, board: wrong, json: true }, io2, deps)).toBe(1);
    const report = JSON.parse(io2.stdout.join('\n')) as { ok: boolean; mismatches: string[] };
    expect(report.ok).toBe(false);
    expect(report.mismatches).toContain('emif1.SDRAM_CONFIG at 0x4c000008 reads 0x80001ab9, config says 0x80001ab1');
    expect(report.mismatches).toContain('emif1.cs0: MR5 0x03, config says 0x01');
  });

  it('probing with the wrong board config takes a data abort: exit 1, the board is caught at its prompt again', async () => {
    served = await serveBoardOnPty(loadBoard('pandaboard-es'), { autobootSeconds: 2 });
    const io = captureIo();
    expect(await boardProbe({ port: served.pty.path, board: loadBoard('imx8mm-evk') }, io, deps)).toBe(1);
    expect(io.stderr[0]).toMatch(
      /^pasr: cannot read ddrc\.MSTR: the board crashed and reset while running "md\.l 0x3d400000 1"/,
    );
    expect(io.stderr[1]).toBe(
      'the board came back to the U-Boot prompt (autoboot stopped with Ctrl-C); its registers are at their boot values',
    );
    expect(served.resets).toBe(1);
  });

  it('draws a replay progress bar on stderr only when stderr is a terminal', async () => {
    const config = loadBoard('pandaboard-es');
    const run = emulatedRun(config, 'emif2.cs1', 17, 0x80);
    served = await serveBoardOnPty(config);
    const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
    let drawn = '';
    tty.on('data', (b: Buffer) => (drawn += b.toString()));
    const io = { ...captureIo(), progressStream: tty };
    expect(await boardReplay({ port: served.pty.path, board: config, trace: run.events }, io, deps)).toBe(0);
    expect(drawn).toContain('replay [');
    expect(drawn).toContain('2/2 writes');
    expect(served.board.die('emif2.cs1').mr17).toBe(0x80);

    const pipe = Object.assign(new PassThrough(), { isTTY: false });
    let piped = '';
    pipe.on('data', (b: Buffer) => (piped += b.toString()));
    expect(
      await boardReplay(
        { port: served.pty.path, board: config, trace: run.events },
        { ...captureIo(), progressStream: pipe },
        deps,
      ),
    ).toBe(0);
    expect(piped).toBe('');
  });

  it('serve --link makes a symlink clients can open, and stops cleanly on abort', async () => {
    const config = loadBoard('pandaboard-es');
    const link = join(tmpdir(), `pasr-e2e-${process.pid}-link`);
    const abort = new AbortController();
    const io = captureIo();
    let ready: (v: string) => void;
    const isReady = new Promise<string>((r) => (ready = r));
    const serving = boardServe({ board: config, link }, io, { signal: abort.signal, onServing: (i) => ready(i.link!) });
    expect(await isReady).toBe(link);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    const probeIo = captureIo();
    expect(await boardProbe({ port: link, board: config }, probeIo, deps)).toBe(0);
    abort.abort();
    expect(await serving).toBe(0);
    expect(existsSync(link)).toBe(false);
    expect(io.stdout[0]).toMatch(/^serving pandaboard-es \(emif1: ti-emif, emif2: ti-emif\) on \/dev\/pts\/\d+$/);
  });

  it('a second serve refuses the link of a running one, which keeps it and removes it when it stops', async () => {
    const config = loadBoard('pandaboard-es');
    const link = join(tmpdir(), `pasr-e2e-${process.pid}-shared-link`);
    served = await serveBoardOnPty(config, { link });
    expect(readlinkSync(link)).toBe(served.pty.path);
    await expect(serveBoardOnPty(config, { link })).rejects.toThrow(/already exists \(a link to \/dev\/pts\/\d+: /);
    expect(readlinkSync(link)).toBe(served.pty.path);
    await served.close();
    served = undefined;
    expect(existsSync(link)).toBe(false);
  });

  it('a board the models cannot build is refused, and its link is not left behind', async () => {
    // What validation refuses (a DMM block at the address of LISA_MAP_0), given to the server directly.
    const panda = loadBoard('pandaboard-es');
    const [emif1, ...rest] = panda.controllers;
    const dmm = emif1!.blocks['dmm']!;
    const config = {
      ...panda,
      controllers: [{ ...emif1!, blocks: { ...emif1!.blocks, dmm: { ...dmm, base: 0x4e000040 } } }, ...rest],
    };
    const link = join(tmpdir(), `pasr-e2e-${process.pid}-unbuilt-link`);
    await expect(serveBoardOnPty(config, { link })).rejects.toThrow(/looks like the address of LISA_MAP_0/);
    // Not even a dangling link (existsSync follows links, and the pty it pointed to is gone).
    expect(() => lstatSync(link)).toThrow(/ENOENT/);
  });
});

describe.each(BOARDS)('%s served on a real pty: probe, apply, replay', (name) => {
  const config = loadBoard(name);
  const die = config.dies[0]!.id;

  it('probe reads the controller registers (and MR5-MR8 where the controller can) and matches the config', async () => {
    served = await serveBoardOnPty(config);
    const io = captureIo();
    const rc = await boardProbe({ port: served.pty.path, board: config }, io, deps);
    expect(io.stderr).toEqual([]);
    expect(rc).toBe(0);
    expect(io.stdout.at(-1)).toBe('probe: board matches its config');
  });

  it('apply --segments (upper half) sets the segment mask of the chosen die (forced past known hazards)', async () => {
    served = await serveBoardOnPty(config);
    const segs = served.board.die(die).geometry.segments;
    const list = `${segs / 2}-${segs - 1}`;
    const mask = (2 ** segs - 1) & ~(2 ** (segs / 2) - 1);
    const io = captureIo();
    const plan = captureIo();
    expect(await boardApply({ board: config, die: [die], segments: list, dryRun: true }, plan, deps)).toBe(0);
    const hazardous = plan.stdout.some((l) => l.startsWith('# HAZARD '));
    if (hazardous) {
      expect(await boardApply({ port: served.pty.path, board: config, die: [die], segments: list }, io, deps)).toBe(1);
      expect(io.stderr.find((l) => l.startsWith('pasr: '))).toMatch(
        /^pasr: refused to run apply .*\(use --force to run it anyway\)$/,
      );
      expect(segmentMask(served.board, die)).toBe(0);
    }
    const io2 = captureIo();
    expect(
      await boardApply({ port: served.pty.path, board: config, die: [die], segments: list, force: true }, io2, deps),
    ).toBe(0);
    await settled(() => expect(segmentMask(served!.board, die)).toBe(mask));
  });

  it('replay of an emulated run leaves the served board in the same register and mode-register state', async () => {
    const run = emulatedRun(config, die, 17, 0x0c);
    served = await serveBoardOnPty(config);
    const io = captureIo();
    const writes = run.events.filter((e) => e.kind === 'mmio.write');
    const rc = await boardReplay(
      { port: served.pty.path, board: config, trace: run.events, traceName: 'run.pasrtrace', force: true },
      io,
      deps,
    );
    expect(io.stderr.filter((l) => !l.startsWith('warning: ran despite hazard'))).toEqual([]);
    expect(rc).toBe(0);
    expect(io.stdout).toEqual([`replayed ${writes.length} writes of run.pasrtrace on ${name} over ${served.pty.path}`]);
    expect(segmentMask(run.board, die)).toBe(0x0c);
    await settled(() => {
      expect(segmentMask(served!.board, die)).toBe(0x0c);
      for (const c of run.board.controllers) {
        for (const [key, blk] of Object.entries(c.blocks)) {
          const there = served!.board.controller(c.id).blocks[key]!;
          for (const r of blk.decl.registers)
            expect([c.id, r.name, there.get(r.name)]).toEqual([c.id, r.name, blk.get(r.name)]);
        }
      }
    });
  });
});
