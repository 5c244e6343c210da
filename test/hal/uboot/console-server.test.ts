import { describe, expect, it } from 'vitest';
import { createMemoryLink } from './memory-link.js';
import { UbootConsoleServer, hextoul, type ServerEvent } from '../../../hal/uboot/console-server.js';
import { DEV_BASE, makeBoard, rawTerminal, realTimer } from './rig.js';

/** A virtual board on a memory link with a raw terminal on the other end, at the prompt. */
async function atPrompt(opts: { lineCap?: number; arch?: 'arm' | 'arm64' } = {}) {
  const b = makeBoard();
  const link = createMemoryLink();
  const events: ServerEvent[] = [];
  let resets = 0;
  const board = { ...b.board, ...(opts.arch ? { arch: opts.arch } : {}) };
  const server = new UbootConsoleServer(link.b, {
    board,
    clock: b.clock,
    onEvent: (e) => events.push(e),
    onReset: () => {
      resets++;
    },
    ...(opts.lineCap ? { lineCap: opts.lineCap } : {}),
  });
  const term = rawTerminal(link.a);
  server.start();
  await term.until((rx) => rx.endsWith('=> '));
  const banner = term.take();
  /** Type `text`, wait for the prompt count to grow by `prompts`, return what came back. */
  const exchange = async (text: string, prompts = 1) => {
    await term.send(text);
    await term.until((rx) => rx.split('=> ').length - 1 >= prompts);
    await new Promise((r) => setTimeout(r, 5));
    return term.take();
  };
  return { ...b, link, server, term, banner, exchange, events, resets: () => resets };
}

describe('virtual U-Boot console: prompt, echo, Ctrl-C', () => {
  it('prints a banner naming the board and its DRAM, then the bare prompt', async () => {
    const r = await atPrompt();
    expect(r.banner).toContain('\r\n\r\nU-Boot 2023.01 (pasr-emu virtual board)\r\n');
    expect(r.banner).toContain('Board: testboard (emulated by pasr-emu)\r\nDRAM:  128 MiB\r\n');
    expect(r.banner.endsWith('\r\n=> ')).toBe(true);
  });

  it('answers Ctrl-C with <INTERRUPT> and a new prompt', async () => {
    const r = await atPrompt();
    expect(await r.exchange('\x03')).toBe('<INTERRUPT>\r\n=> ');
  });

  it('echoes mw and prints nothing else, and md shows the word written (reference §1 transcript)', async () => {
    const r = await atPrompt();
    expect(await r.exchange('mw.l 0x41000000 0xdeadbeef\r')).toBe('mw.l 0x41000000 0xdeadbeef\r\n=> ');
    expect(await r.exchange('md.l 0x41000000 4\r')).toBe(
      'md.l 0x41000000 4\r\n41000000: deadbeef 00000000 00000000 00000000  ................\r\n=> ',
    );
  });

  it('pads a partial md line so the ASCII column stays aligned', async () => {
    const r = await atPrompt();
    const out = await r.exchange('md.l 0x41000000 1\r');
    expect(out).toBe('md.l 0x41000000 1\r\n41000000: 00000000' + ' '.repeat(29) + '....\r\n=> ');
  });

  it('repeats md at the next address on an empty line, and forgets the repeat after Ctrl-C', async () => {
    const r = await atPrompt();
    await r.exchange('md.l 0x41000000 1\r');
    expect(await r.exchange('\r')).toBe('\r\n41000004: 00000000                             ....\r\n=> ');
    await r.exchange('\x03');
    expect(await r.exchange('\r')).toBe('\r\n=> ');
  });

  it('runs mw twice when a command ends in \\r\\n (the \\n is an empty line)', async () => {
    const r = await atPrompt();
    expect(await r.exchange('mw.l 0x41000010 0x5a5a5a5a\r\n', 2)).toBe('mw.l 0x41000010 0x5a5a5a5a\r\n=> \r\n=> ');
    expect(r.events.filter((e) => e.kind === 'command').map((e) => (e as { repeat: boolean }).repeat)).toEqual([
      false,
      true,
    ]);
  });

  it('loses a type-ahead byte to md, which polls for Ctrl-C once per line (reference §3)', async () => {
    const r = await atPrompt();
    const out = await r.exchange('md.l 0x41000000 1\rmd.l 0x41000004 1\rmd.l 0x41000008 1\r', 3);
    expect(out).toContain("=> d.l 0x41000004 1\r\nUnknown command 'd.l' - try 'help'\r\n=> md.l 0x41000008 1\r\n");
  });

  it('erases with backspace and DEL, echoing \\b \\b', async () => {
    const r = await atPrompt();
    expect(await r.exchange('echo abX\x08c\x7fd\r')).toBe('echo abX\b \bc\b \bd\r\nabd\r\n=> ');
  });

  it('keeps 512 characters of a line, rings BEL for each extra one, and runs the truncated line', async () => {
    const r = await atPrompt();
    const arg = 'x'.repeat(1000);
    const out = await r.exchange(`echo ${arg}\r`);
    expect(out.split('\x07').length - 1).toBe(493);
    expect(out.endsWith(`\r\n${'x'.repeat(507)}\r\n=> `)).toBe(true);
  });
});

describe('virtual U-Boot console: commands and errors', () => {
  it('prints nothing for a bad size suffix or a zero count, usage for a wrong argument count', async () => {
    const r = await atPrompt();
    expect(await r.exchange('md.x 0x41000000 1\r')).toBe('md.x 0x41000000 1\r\n=> ');
    expect(await r.exchange('md.l 0x41000000 XYZ\r')).toBe('md.l 0x41000000 XYZ\r\n=> ');
    expect(await r.exchange('mw.l 0x41000000 1 2 3\r')).toBe(
      'mw.l 0x41000000 1 2 3\r\nmw - memory write (fill)\r\n\r\nUsage:\r\nmw [.b, .w, .l] address value [count]\r\n=> ',
    );
    expect(await r.exchange('nosuch\r')).toBe("nosuch\r\nUnknown command 'nosuch' - try 'help'\r\n=> ");
  });

  it('reports the status of the previous command with echo rc=$?', async () => {
    const r = await atPrompt();
    expect(await r.exchange('md.x 0x41000000 1; echo rc=$?\r')).toContain('\r\nrc=1\r\n=> ');
    expect(await r.exchange('md.l 0x41000000 1; echo rc=$?\r')).toMatch(/41000000: 00000000 +\.\.\.\.\r\nrc=0\r\n=> $/);
  });

  it('shows bytes and half-words in memory order, with the ASCII column', async () => {
    const r = await atPrompt();
    await r.exchange('mw.l 0x41000000 0x64636261\r');
    expect(await r.exchange('md.b 0x41000000 4\r')).toContain(
      '41000000: 61 62 63 64' + ' '.repeat(12 * 3 + 2) + 'abcd\r\n',
    );
    expect(await r.exchange('md.w 0x41000000 2\r')).toContain(
      '41000000: 6261 6463' + ' '.repeat(6 * 5 + 2) + 'abcd\r\n',
    );
    await r.exchange('mw.b 0x41000001 0x7a\r');
    expect(await r.exchange('md.l 0x41000000 1\r')).toContain('41000000: 64637a61');
  });

  it('reaches the emulated registers: mw sets them by name, md reads them through the bus', async () => {
    const r = await atPrompt();
    await r.exchange(`mw.l ${(DEV_BASE + 0x50).toString(16)} 0x11\r`);
    await r.exchange(`mw.l ${(DEV_BASE + 0x40).toString(16)} 0xf0\r`);
    expect(r.dev.get('CONFIG')).toBe(0x11);
    expect(r.dev.get('DATA')).toBe(0xf0);
    expect(r.mrws).toEqual([[0x11, 0xf0]]);
    expect(await r.exchange(`md.l ${(DEV_BASE + 0x60).toString(16)} 1\r`)).toContain('4c000060: 4f4d4150');
    expect(r.trace.ofKind('mmio.read').at(-1)).toMatchObject({ register: 'ID', value: 0x4f4d4150 });
  });

  it('takes a data abort on an unmapped address: register dump, Resetting CPU, banner again', async () => {
    const r = await atPrompt();
    const out = await r.exchange('md.l 0x50000000 1\r');
    expect(out).toContain('md.l 0x50000000 1\r\ndata abort\r\npc : [<');
    expect(out).toContain('r0 : 50000000\r\n');
    expect(out).toContain('Resetting CPU ...\r\n\r\nresetting ...\r\n\r\n\r\nU-Boot 2023.01');
    expect(out.endsWith('=> ')).toBe(true);
    expect(r.resets()).toBe(1);
    expect(r.events.some((e) => e.kind === 'reset')).toBe(true);
  });

  it('aborts on a misaligned word access', async () => {
    const r = await atPrompt();
    expect(await r.exchange('md.l 0x41000002 1\r')).toContain('data abort');
  });

  it('prints nothing for md.q on a 32-bit board and 64-bit units on a 64-bit one', async () => {
    const r32 = await atPrompt();
    expect(await r32.exchange('md.q 0x41000000 1\r')).toBe('md.q 0x41000000 1\r\n=> ');
    const r64 = await atPrompt({ arch: 'arm64' });
    await r64.exchange('mw.l 0x41000000 0xdeadbeef\r');
    expect(await r64.exchange('md.q 0x41000000 2\r')).toContain(
      '41000000: 00000000deadbeef 0000000000000000  ................\r\n',
    );
  });

  it('lists its commands in help and shows the DRAM bank in bdinfo', async () => {
    const r = await atPrompt();
    const help = await r.exchange('help\r');
    expect(help).toContain('md        - memory display\r\n');
    expect(help).toContain('mw        - memory write (fill)\r\n');
    const bd = await r.exchange('bdinfo\r');
    expect(bd).toContain('DRAM bank   = 0x00000000\r\n-> start    = 0x40000000\r\n-> size     = 0x08000000\r\n');
    expect(await r.exchange('version\r')).toContain('U-Boot 2023.01 (pasr-emu virtual board)');
  });

  it('accepts unique abbreviations of command names, as U-Boot does', async () => {
    const r = await atPrompt();
    expect(await r.exchange('ec hi\r')).toBe('ec hi\r\nhi\r\n=> ');
  });

  it('advances simulated time by one character time per received byte', async () => {
    const r = await atPrompt();
    const t0 = r.clock.nowNs;
    await r.exchange('echo\r');
    expect(r.clock.nowNs - t0).toBeCloseTo(5 * (1e10 / 115200), 3);
  });

  it('parses numbers as U-Boot hextoul does', () => {
    expect(hextoul('0x4C000050')).toBe(0x4c000050);
    expect(hextoul('4c000050')).toBe(0x4c000050);
    expect(hextoul('XYZ')).toBe(0);
    expect(hextoul('12zz')).toBe(0x12);
  });
});

describe('virtual U-Boot console: autoboot and faults', () => {
  it('counts down autoboot and stops on any key, consuming it', async () => {
    const b = makeBoard();
    const link = createMemoryLink();
    const server = new UbootConsoleServer(link.b, { board: b.board, timer: realTimer, autobootSeconds: 2 });
    const term = rawTerminal(link.a);
    server.start();
    await term.until((rx) => rx.endsWith('Hit any key to stop autoboot:  2 '));
    term.take();
    await term.send('\x03');
    expect(await term.until((rx) => rx.endsWith('=> '))).toBe('\b\b\b 0 \r\n=> ');
    server.stop();
  });

  it('hangs after N commands when told to: the line is echoed, no prompt follows', async () => {
    const b = makeBoard();
    const link = createMemoryLink();
    const server = new UbootConsoleServer(link.b, { board: b.board, faults: { hangAfterCommands: 1 } });
    const term = rawTerminal(link.a);
    server.start();
    await term.until((rx) => rx.endsWith('=> '));
    await term.send('echo 1\r');
    await term.until((rx) => rx.endsWith('1\r\n=> '));
    term.take();
    await term.send('echo 2\r');
    await new Promise((r) => setTimeout(r, 30));
    expect(term.take()).toBe('echo 2\r\n');
  });

  it('prints stray output after the prompt of a chosen command', async () => {
    const b = makeBoard();
    const link = createMemoryLink();
    const server = new UbootConsoleServer(link.b, {
      board: b.board,
      faults: { strayAfterCommands: { after: 1, text: '\x00\xffnoise' } },
    });
    const term = rawTerminal(link.a);
    server.start();
    await term.until((rx) => rx.endsWith('=> '));
    term.take();
    await term.send('echo 1\r');
    expect(await term.until((rx) => rx.endsWith('noise'))).toBe('echo 1\r\n1\r\n=> \x00\xffnoise');
  });

  it('delays each echoed character when the echo is slow, keeping the output order', async () => {
    const b = makeBoard();
    const link = createMemoryLink();
    const server = new UbootConsoleServer(link.b, { board: b.board, timer: realTimer, faults: { echoDelayMs: 2 } });
    const term = rawTerminal(link.a);
    server.start();
    await term.until((rx) => rx.endsWith('=> '));
    term.take();
    await term.send('echo slow\r');
    await new Promise((r) => setTimeout(r, 3));
    expect(term.rx.length).toBeLessThan('echo slow\r\n'.length);
    expect(await term.until((rx) => rx.endsWith('=> '))).toBe('echo slow\r\nslow\r\n=> ');
  });
});
