import { describe, expect, it } from 'vitest';
import { createMemoryLink } from './memory-link.js';
import { bytesToText, textToBytes } from '../../../hal/uboot/byte-stream.js';
import { ConsoleError, UbootConsole } from '../../../hal/uboot/transport.js';
import { parseMdOutput, formatMdLine, parseMdLine } from '../../../hal/uboot/md-format.js';
import { DEV_BASE, makeRig, realTimer, tinyFragments } from './rig.js';

const FAST = { firstReplyTimeoutMs: 100, syncTimeoutMs: 50, commandTimeoutMs: 100, settleMs: 5 } as const;

async function failure(p: Promise<unknown>): Promise<ConsoleError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ConsoleError) return e;
    throw e;
  }
  throw new Error('expected a ConsoleError, the call succeeded');
}

/** A peer that answers with a fixed script: for each client write, reply(text) returns what to send back. */
function scriptedPeer(reply: (written: string) => string | undefined) {
  const link = createMemoryLink();
  let got = '';
  link.b.onData((b) => {
    const text = bytesToText(b);
    got += text;
    const r = reply(text);
    if (r !== undefined) void link.b.write(textToBytes(r));
  });
  return { link, got: () => got };
}

describe('U-Boot console client: synchronising and commands', () => {
  it('synchronises with Ctrl-C and reads and writes words with md.l / mw.l', async () => {
    const r = makeRig();
    await r.console.writeWord(0x41000000, 0xdeadbeef);
    expect(await r.console.readWord(0x41000000)).toBe(0xdeadbeef);
    expect(r.tx()).toBe('\x03mw.l 0x41000000 0xdeadbeef\rmd.l 0x41000000 1\r');
  });

  it('never sends a bare Enter or a \\n, one command per prompt', async () => {
    const r = makeRig();
    for (let i = 0; i < 5; i++) await r.console.writeWord(0x41000000 + 4 * i, i);
    for (let i = 0; i < 5; i++) expect(await r.console.readWord(0x41000000 + 4 * i)).toBe(i);
    const tx = r.tx();
    expect(tx).not.toContain('\n');
    expect(
      tx
        .split('\r')
        .slice(0, -1)
        .every((l) => l.replace(/^\x03+/, '').length > 0),
    ).toBe(true);
  });

  it('accumulates replies that arrive in 1-3 byte fragments', async () => {
    const r = makeRig({ fragment: tinyFragments });
    await r.console.writeWord(DEV_BASE + 0x50, 0x11);
    expect(await r.console.readWord(DEV_BASE + 0x50)).toBe(0x11);
    expect(await r.console.command('echo hello world')).toBe('hello world\r\n');
  });

  it('returns command output with the echo and prompt stripped', async () => {
    const r = makeRig();
    expect(await r.console.command('md.l 0x41000000 2')).toBe(
      '41000000: 00000000 00000000                    ........\r\n',
    );
  });

  it('refuses a line longer than the 512-character cap before sending anything', async () => {
    const r = makeRig();
    await r.console.sync();
    const before = r.tx();
    const e = await failure(r.console.command('echo ' + 'x'.repeat(508)));
    expect(e.code).toBe('line-too-long');
    expect(e.message).toContain('the command is 513 characters; U-Boot keeps 512');
    expect(r.tx()).toBe(before);
    expect(await r.console.command('echo ' + 'y'.repeat(507))).toBe('y'.repeat(507) + '\r\n');
  });

  it('detects a board with a shorter line buffer by its BEL and says the truncated line ran', async () => {
    const r = makeRig({ server: { lineCap: 20 }, console: { echoChunk: 512 } });
    const e = await failure(r.console.command('echo abcdefghijklmnopqrstuvwxyz'));
    expect(e.code).toBe('line-too-long');
    expect(e.message).toContain('the truncated line ran');
  });

  it('sends long lines in pieces, each after the previous piece echoed', async () => {
    const r = makeRig({ console: { echoChunk: 16 } });
    expect(await r.console.command('echo ' + 'z'.repeat(100))).toBe('z'.repeat(100) + '\r\n');
  });

  it('rejects control characters and empty commands as programming errors', async () => {
    const r = makeRig();
    await expect(r.console.command('md.l 0 1\rmw.l 0 1')).rejects.toThrow(TypeError);
    await expect(r.console.command('')).rejects.toThrow(/repeat the previous one/);
  });

  it('allows one command at a time', async () => {
    const r = makeRig();
    const first = r.console.command('echo one');
    await expect(r.console.command('echo two')).rejects.toThrow(/one command at a time/);
    expect(await first).toBe('one\r\n');
  });
});

describe('U-Boot console client: failures', () => {
  it('reports an unknown command and a usage text as command-failed', async () => {
    const r = makeRig();
    const e1 = await failure(r.console.command('nosuch 1'));
    expect(e1.code).toBe('command-failed');
    expect(e1.message).toContain("U-Boot does not know the command 'nosuch'");
    const e2 = await failure(r.console.command('mw.l 0x41000000 1 2 3'));
    expect(e2.code).toBe('command-failed');
    expect(e2.message).toContain('printed its usage text');
    expect(await r.console.readWord(0x41000000)).toBe(0);
  });

  it('reports a data abort as board-reset and works again once the board is back', async () => {
    const r = makeRig();
    const e = await failure(r.console.readWord(0x50000000));
    expect(e.code).toBe('board-reset');
    expect(e.message).toContain('the board crashed and reset while running "md.l 0x50000000 1"');
    expect(e.received).toContain('data abort');
    await new Promise((res) => setTimeout(res, 10));
    expect(await r.console.readWord(DEV_BASE + 0x60)).toBe(0x4f4d4150);
    expect(r.resets).toBe(1);
  });

  it('reports a reset banner that arrives between commands, before sending anything', async () => {
    const r = makeRig();
    await r.console.sync();
    await r.link.b.write(textToBytes('\r\n\r\nU-Boot SPL 2023.01 (Jan 01 2023)\r\n'));
    await new Promise((res) => setTimeout(res, 5));
    const before = r.tx();
    const e = await failure(r.console.writeWord(DEV_BASE + 0x50, 1));
    expect(e.code).toBe('board-reset');
    expect(e.message).toContain('the board reset between commands');
    expect(r.tx()).toBe(before);
  });

  it('re-synchronises after stray text between commands and warns about it', async () => {
    const warnings: string[] = [];
    const r = makeRig({ console: { onWarning: (w) => warnings.push(w) } });
    await r.console.sync();
    await r.link.b.write(textToBytes('usb 1-1: new device\r\n'));
    await new Promise((res) => setTimeout(res, 5));
    await r.console.writeWord(0x41000000, 7);
    expect(await r.console.readWord(0x41000000)).toBe(7);
    expect(warnings[0]).toContain('stray console output between commands, re-synchronised with Ctrl-C');
  });

  it('stops with garbage when non-text bytes arrive between commands, sending nothing more', async () => {
    const r = makeRig({ server: { faults: { strayAfterCommands: { after: 1, text: '\x00\xff\x1b[0m\x8f' } } } });
    await r.console.writeWord(0x41000000, 1);
    await new Promise((res) => setTimeout(res, 5));
    const before = r.tx();
    const e = await failure(r.console.writeWord(0x41000004, 2));
    expect(e.code).toBe('garbage');
    expect(e.message).toContain('non-text bytes arrived between commands');
    expect(e.message).toContain('received "\\x00\\xff\\x1b[0m\\x8f"');
    expect(r.tx()).toBe(before);
  });

  it('treats an echo that differs from the command as garbage', async () => {
    const peer = scriptedPeer((w) => (w === '\x03' ? '<INTERRUPT>\r\n=> ' : 'mw.l 0x00000000 0x00000000\r\n=> '));
    const con = new UbootConsole(peer.link.a, realTimer, FAST);
    const e = await failure(con.writeWord(0x41000000, 1));
    expect(e.code).toBe('garbage');
    expect(e.message).toContain('the command that ran may differ');
  });

  it('gives up with no-prompt after a bounded number of Ctrl-C when nothing answers', async () => {
    const peer = scriptedPeer(() => undefined);
    const con = new UbootConsole(peer.link.a, realTimer, { ...FAST, syncAttempts: 3 });
    const e = await failure(con.readWord(0x41000000));
    expect(e.code).toBe('no-prompt');
    expect(e.message).toContain('no "=> " prompt after 3 Ctrl-C over 200 ms (nothing came back)');
    expect(peer.got()).toBe('\x03\x03\x03');
  });

  it('hints at the baud rate when only non-text bytes come back', async () => {
    const peer = scriptedPeer(() => '\xf0\x8f\x00\xfe');
    const con = new UbootConsole(peer.link.a, realTimer, { ...FAST, syncAttempts: 2 });
    const e = await failure(con.sync());
    expect(e.code).toBe('no-prompt');
    expect(e.message).toContain('wrong baud rate?');
  });

  it('waits longer for the first reply after the port opened', async () => {
    let n = 0;
    const link = createMemoryLink();
    link.b.onData(() => {
      n++;
      setTimeout(() => void link.b.write(textToBytes('<INTERRUPT>\r\n=> ')), 120);
    });
    const con = new UbootConsole(link.a, realTimer, { ...FAST, firstReplyTimeoutMs: 400, syncTimeoutMs: 50 });
    await con.sync();
    expect(n).toBe(1);
  });

  it('retries a read whose prompt never came, a bounded number of times, then says so', async () => {
    const r = makeRig({ server: { faults: { hangAfterCommands: 1 } }, console: { ...FAST, readRetries: 2 } });
    expect(await r.console.readWord(0x41000000)).toBe(0);
    const e = await failure(r.console.readWord(0x41000004));
    // The hung board answers no Ctrl-C either: the retry's re-synchronisation gives up.
    expect(e.code).toBe('no-prompt');
    expect(r.tx().split('md.l 0x41000004 1\r').length - 1).toBe(1);
  });

  it('retries a read after a timeout when the board recovers', async () => {
    let calls = 0;
    const peer = scriptedPeer((w) => {
      if (w === '\x03') return '<INTERRUPT>\r\n=> ';
      calls++;
      if (calls === 1) return undefined; // first md lost
      return `${w.slice(0, -1)}\r\n41000000: 0000002a                             *...\r\n=> `;
    });
    const warnings: string[] = [];
    const con = new UbootConsole(peer.link.a, realTimer, { ...FAST, onWarning: (w) => warnings.push(w) });
    expect(await con.readWord(0x41000000)).toBe(0x2a);
    expect(calls).toBe(2);
    expect(warnings[0]).toContain('retrying "md.l 0x41000000 1" (attempt 2 of 3)');
  });

  it('never re-sends a write whose prompt did not come back', async () => {
    const r = makeRig({ server: { faults: { hangAfterCommands: 0 } }, console: FAST });
    const e = await failure(r.console.writeWord(DEV_BASE + 0x50, 0x11));
    expect(e.code).toBe('timeout');
    expect(e.message).toContain(
      'no prompt within 100 ms after "mw.l 0x4c000050 0x00000011" (the echo came back but no prompt)',
    );
    expect(r.tx().split('mw.l').length - 1).toBe(1);
  });

  it('rides out a slow echo that stays within the timeout', async () => {
    const r = makeRig({ server: { faults: { echoDelayMs: 1 } }, console: { commandTimeoutMs: 500 } });
    await r.console.writeWord(0x41000000, 3);
    expect(await r.console.readWord(0x41000000)).toBe(3);
  });

  it('times out on an echo slower than the timeout', async () => {
    const r = makeRig({
      server: { faults: { echoDelayMs: 20 } },
      console: { ...FAST, commandTimeoutMs: 60, readRetries: 0 },
    });
    await r.console.sync();
    const e = await failure(r.console.writeWord(0x41000000, 3));
    expect(e.code).toBe('timeout');
  });

  it('fails with disconnected when the peer goes away mid-command, and on every later call', async () => {
    const r = makeRig({ server: { faults: { hangAfterCommands: 0 } }, console: { ...FAST, commandTimeoutMs: 1000 } });
    await r.console.sync();
    const p = r.console.writeWord(0x41000000, 1);
    setTimeout(() => r.link.close(new Error('EIO')), 10);
    const e = await failure(p);
    expect(e.code).toBe('disconnected');
    expect(e.message).toContain('the console went away (EIO)');
    expect(e.sent).toBe('mw.l 0x41000000 0x00000001\r');
    expect(r.console.disconnected).toBe(true);
    expect((await failure(r.console.readWord(0))).code).toBe('disconnected');
  });

  it('fails with disconnected when a write to the stream throws', async () => {
    const con = new UbootConsole(
      {
        write() {
          throw new Error('EIO: i/o error, write');
        },
        onData: () => () => {},
        onClose: () => () => {},
      },
      realTimer,
      FAST,
    );
    const e = await failure(con.sync());
    expect(e.code).toBe('disconnected');
    expect(e.message).toContain('writing to the console failed (EIO: i/o error, write)');
  });

  it('bounds a reply that never ends in a prompt', async () => {
    const peer = scriptedPeer((w) => (w === '\x03' ? '<INTERRUPT>\r\n=> ' : 'x'.repeat(5000)));
    const con = new UbootConsole(peer.link.a, realTimer, { ...FAST, maxReplyBytes: 4096 });
    const e = await failure(con.command('echo'));
    expect(e.code).toBe('garbage');
    expect(e.message).toContain('more than 4096 bytes arrived without a prompt');
  });
});

describe('md output parsing', () => {
  it('parses lines whatever the gap before the ASCII column', () => {
    expect(parseMdLine('41000000: deadbeef 00000000  ........')).toEqual({
      address: 0x41000000,
      units: ['deadbeef', '00000000'],
      ascii: '........',
    });
    expect(parseMdLine('41000000: deadbeef 00000000    ........')?.units).toEqual(['deadbeef', '00000000']);
    expect(parseMdLine('41000000: deadbeef')?.units).toEqual(['deadbeef']);
    expect(parseMdLine('Unknown command')).toBeUndefined();
  });

  it('round-trips the formatter and checks addresses, widths and counts', () => {
    const bytes = new Uint8Array([0xef, 0xbe, 0xad, 0xde, 0x41, 0x42, 0x43, 0x44]);
    const line = formatMdLine(0x80000000, bytes, 4);
    expect(line).toBe('80000000: deadbeef 44434241' + ' '.repeat(18 + 2) + '....ABCD');
    expect(parseMdOutput(line + '\r\n', 0x80000000, 2, 4)).toEqual({ ok: true, values: [0xdeadbeef, 0x44434241] });
    expect(parseMdOutput(line + '\r\n', 0x80000004, 2, 4)).toMatchObject({
      ok: false,
      problem: 'md line at 0x80000000 where 0x80000004 was expected',
    });
    expect(parseMdOutput(line + '\r\n', 0x80000000, 3, 4)).toMatchObject({
      ok: false,
      problem: 'md returned 2 values, 3 were asked for',
    });
    expect(parseMdOutput(line + '\r\n', 0x80000000, 2, 2)).toMatchObject({ ok: false });
    expect(parseMdOutput('', 0, 1, 4)).toMatchObject({
      ok: false,
      problem: expect.stringContaining('md printed nothing'),
    });
  });
});
