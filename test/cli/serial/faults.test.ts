import { afterEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { boardApply, boardProbe, boardReplay } from '../../../cli/serial/commands.js';
import { serveBoardOnPty, type ServedPty, type VirtualBoardOptions } from '../../../cli/serial/serve.js';
import { openPty, type Pty } from '../../../cli/serial/pty.js';
import { CliError } from '../../../cli/errors.js';
import type { MmioWriteEvent } from '../../../hal/trace/events.js';
import { captureIo, holdPort, loadBoard, TEST_CONSOLE } from './helpers.js';
import { hex } from '../../../hal/bits.js';

/**
 * Faults of the serial line and the board, end to end through a real pty: in every case a clear
 * error naming what was applied and what was not, a non-zero exit, no hang, no unbounded retry.
 */

const panda = loadBoard('pandaboard-es');
const deps = { consoleOptions: TEST_CONSOLE };
/**
 * Two dies, four writes: emif1 CONFIG, DATA, emif2 CONFIG, DATA. They are half of an interleave
 * group, which apply refuses without force; these cases are about the line, so they force it.
 */
const twoDies = { board: panda, die: ['emif1.cs0', 'emif2.cs0'], mr17: 0xf0, force: true } as const;

let served: ServedPty | undefined;
let extra: Pty | undefined;
let holder: ChildProcess | undefined;

afterEach(async () => {
  await served?.close();
  await extra?.close();
  holder?.kill();
  served = extra = holder = undefined;
});

async function serve(options: VirtualBoardOptions = {}): Promise<ServedPty> {
  served = await serveBoardOnPty(panda, options);
  return served;
}

function mw(ev: { address: number; value: number }): string {
  return `mw.l ${hex(ev.address)} ${hex(ev.value)}`;
}

describe('faults, end to end through a real pty', () => {
  it('the peer disappears mid-program: disconnected, the write in flight is uncertain, the rest not applied', async () => {
    let s: ServedPty;
    s = await serve({
      faults: { hangAfterCommands: 2 },
      onEvent: (e) => {
        if (e.kind === 'hang') void s.pty.close();
      },
    });
    const io = captureIo();
    const rc = await boardApply({ ...twoDies, port: s.pty.path, timeout: 3000 }, io, deps);
    expect(rc).toBe(1);
    expect(io.stderr[0]).toMatch(/^pasr: op 2 \(mw\.l 0x4d000050 0x00000011\) failed: .*(went away|disappeared)/);
    expect(io.stderr).toContain('applied 2 of 4 register operations:');
    expect(io.stderr).toContain('  applied      #0 mw.l 0x4c000050 0x00000011');
    expect(io.stderr).toContain('  applied      #1 mw.l 0x4c000040 0x000000f0');
    expect(io.stderr).toContain(
      '  UNCERTAIN    #2 mw.l 0x4d000050 0x00000011 (sent; no prompt came back, so it may or may not have run)',
    );
    expect(io.stderr).toContain('  not applied  #3 mw.l 0x4d000040 0x000000f0');
  });

  it('garbage between commands: stops before sending more, names what was applied', async () => {
    const s = await serve({ faults: { strayAfterCommands: { after: 1, text: '\x00\xff\xfe\x1b[2J\x8fgarbage' } } });
    const io = captureIo();
    const rc = await boardApply({ ...twoDies, port: s.pty.path }, io, deps);
    expect(rc).toBe(1);
    // The garbage either arrives before the next command goes out (caught between commands)
    // or mixes into its echo (caught as a bad echo): both stop the program at op 1.
    expect(io.stderr[0]).toMatch(
      /^pasr: op 1 \(mw\.l 0x4c000040 0x000000f0\) failed: (non-text bytes arrived between commands|the console echoed something other)/,
    );
    expect(io.stderr).toContain('  applied      #0 mw.l 0x4c000050 0x00000011');
    expect(io.stderr).toContain('  not applied  #3 mw.l 0x4d000040 0x000000f0');
    expect(s.board.die('emif2.cs0').mr17).toBe(0);
  });

  it('a slow echo within the timeout still applies everything', async () => {
    const s = await serve({ faults: { echoDelayMs: 1 } });
    const io = captureIo();
    expect(await boardApply({ ...twoDies, port: s.pty.path, timeout: 2000 }, io, deps)).toBe(0);
    expect(s.board.die('emif2.cs0').mr17).toBe(0xf0);
  });

  it('an echo slower than --timeout: the first write is uncertain, nothing else is sent', async () => {
    const s = await serve({ faults: { echoDelayMs: 25 } });
    const io = captureIo();
    const rc = await boardApply({ ...twoDies, port: s.pty.path, timeout: 150 }, io, deps);
    expect(rc).toBe(1);
    expect(io.stderr[0]).toMatch(/^pasr: op 0 .* no prompt within 150 ms after "mw\.l 0x4c000050 0x00000011"/);
    expect(io.stderr).toContain('applied 0 of 4 register operations');
    expect(io.stderr).toContain(
      '  UNCERTAIN    #0 mw.l 0x4c000050 0x00000011 (sent; no prompt came back, so it may or may not have run)',
    );
  });

  it('a prompt that never comes (nothing answers the port): no-prompt after bounded Ctrl-C, nothing sent', async () => {
    extra = await openPty();
    let received = '';
    extra.stream.onData((b) => (received += Buffer.from(b).toString('latin1')));
    const io = captureIo();
    const t0 = Date.now();
    const rc = await boardApply({ ...twoDies, port: extra.path }, io, deps);
    expect(rc).toBe(1);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(io.stderr[0]).toBe(
      'pasr: op 0 (mw.l 0x4c000050 0x00000011) failed: no "=> " prompt after 2 Ctrl-C over 550 ms (nothing came back): is the board at the U-Boot prompt, on this port, at this baud rate?; sent "\\x03\\x03"',
    );
    expect(io.stderr).toContain('applied 0 of 4 register operations');
    expect(received).toBe('\x03\x03');
  });

  it('a board that hangs mid-program: the write whose prompt never came is uncertain and not re-sent', async () => {
    const s = await serve({ faults: { hangAfterCommands: 1 } });
    const io = captureIo();
    const rc = await boardApply({ ...twoDies, port: s.pty.path, timeout: 200 }, io, deps);
    expect(rc).toBe(1);
    expect(io.stderr[0]).toBe(
      'pasr: op 1 (mw.l 0x4c000040 0x000000f0) failed: no prompt within 200 ms after "mw.l 0x4c000040 0x000000f0" (the echo came back but no prompt); sent "mw.l 0x4c000040 0x000000f0\\r"; received "mw.l 0x4c000040 0x000000f0\\r\\n"; this write may or may not have been applied, so it was not re-sent',
    );
    expect(s.server.commandCount).toBe(1);
  });

  it('a line longer than the line cap is refused before it is sent', async () => {
    const s = await serve();
    const io = captureIo();
    const rc = await boardApply({ ...twoDies, port: s.pty.path }, io, {
      consoleOptions: { ...TEST_CONSOLE, lineCap: 20 },
    });
    expect(rc).toBe(1);
    expect(io.stderr[0]).toBe(
      'pasr: op 0 (mw.l 0x4c000050 0x00000011) failed: the command is 26 characters; U-Boot keeps 20, rings BEL for the rest and runs the truncated line, so it was not sent',
    );
    expect(io.stderr).toContain('  not applied  #0 mw.l 0x4c000050 0x00000011');
    expect(s.server.commandCount).toBe(0);
  });

  it('a board whose line buffer is shorter than the client believes: BEL detected, the write uncertain', async () => {
    const s = await serve({ lineCap: 20 });
    const io = captureIo();
    const rc = await boardApply({ ...twoDies, port: s.pty.path }, io, deps);
    expect(rc).toBe(1);
    expect(io.stderr[0]).toMatch(
      /^pasr: op 0 .* the board rang BEL: its line buffer is shorter than the 26 characters sent, and the truncated line ran/,
    );
    expect(io.stderr).toContain(
      '  UNCERTAIN    #0 mw.l 0x4c000050 0x00000011 (sent; no prompt came back, so it may or may not have run)',
    );
    expect(io.stderr).toContain('  not applied  #1 mw.l 0x4c000040 0x000000f0');
  });

  it('a data abort and reboot in the middle of a replay: stops, says the reset undid the applied writes, stops the autoboot', async () => {
    // A board that counts down 3 s to autoboot after every reset, as a real one does.
    const s = await serve({ autobootSeconds: 3 });
    const w = (seq: number, address: number, value: number, register: string): MmioWriteEvent => ({
      kind: 'mmio.write',
      seq,
      tNs: seq * 100,
      address,
      value,
      block: 'emif1',
      register,
      fields: {},
    });
    const trace = [
      w(0, 0x4c000050, 0x11, 'LPDDR2_MODE_REG_CONFIG'),
      w(1, 0x4c000040, 0xf0, 'LPDDR2_MODE_REG_DATA'),
      w(2, 0x4c100000, 0x1, '?'),
      w(3, 0x4d000050, 0x11, 'LPDDR2_MODE_REG_CONFIG'),
      w(4, 0x4d000040, 0xf0, 'LPDDR2_MODE_REG_DATA'),
    ];
    // Without --force the foreign write is refused before anything is sent.
    await expect(
      boardReplay({ board: panda, trace, traceName: 'bad.pasrtrace', port: s.pty.path }, captureIo(), deps),
    ).rejects.toThrow(
      'bad.pasrtrace: 1 write(s) are not registers of pandaboard-es, first seq 2 at 0x4c100000 (emif1.?); was the trace recorded on another board? (--force sends them anyway)',
    );
    const io = captureIo();
    const rc = await boardReplay(
      { board: panda, trace, traceName: 'bad.pasrtrace', port: s.pty.path, force: true },
      io,
      deps,
    );
    expect(rc).toBe(1);
    expect(io.stderr[0]).toMatch(
      /^pasr: op 2 \(mw\.l 0x4c100000 0x00000001\) failed: the board crashed and reset while running "mw\.l 0x4c100000 0x00000001": every register written before is back to its boot value; .*data abort.*; the 2 writes applied before are undone by the reset$/,
    );
    expect(io.stderr).toContain('applied 2 of 5 writes (then undone by the board reset):');
    expect(io.stderr).toContain(`  not applied  #2 ${mw(trace[2]!)}`);
    expect(io.stderr).toContain(`  not applied  #4 ${mw(trace[4]!)}`);
    expect(io.stderr.at(-1)).toBe(
      'the board came back to the U-Boot prompt (autoboot stopped with Ctrl-C); its registers are at their boot values',
    );
    expect(s.resets).toBe(1);
    expect(s.board.controller('emif1').blocks['emif']!.get('LPDDR2_MODE_REG_CONFIG')).toBe(0);
    expect(s.board.die('emif1.cs0').mr17).toBe(0);
    // Still at the prompt: the next command works without waiting for a countdown.
    expect(await boardProbe({ port: s.pty.path, board: panda }, captureIo(), deps)).toBe(0);
  });

  it('a second process holding the port: a clear "port busy" error, nothing sent', async () => {
    const s = await serve();
    holder = await holdPort(s.pty.path);
    const io = captureIo();
    const err = await boardProbe({ port: s.pty.path, board: panda }, io, deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(1);
    expect((err as CliError).message).toBe(
      `${s.pty.path}: port busy: another process holds it (Error Resource temporarily unavailable Cannot lock port); close the other program (screen, minicom, picocom, another pasr) or find it with: fuser -v ${s.pty.path}`,
    );
    expect(s.server.commandCount).toBe(0);
  });
});
