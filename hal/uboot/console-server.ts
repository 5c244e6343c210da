import type { Clock } from '../clock.js';
import { BusError, type RegisterAccess } from '../mmio-bus.js';
import { textToBytes, type ByteStream, type Cancel, type Timer } from './byte-stream.js';
import { formatMdLine, MD_BYTES_PER_LINE, type AccessWidth } from './md-format.js';

/**
 * A virtual U-Boot 2023.01 console over an injected byte stream, backed by the emulated
 * board: `mw`/`md` reach the emulated controllers (through RegisterAccess) and a sparse
 * DRAM. It behaves as shared/reference/uboot-console.md describes a real one:
 *
 *  (a) banner, optional `Hit any key to stop autoboot` countdown (any key stops it and is
 *      consumed), then the prompt `=> ` with no newline after it;
 *  (b) the line editor echoes each character itself; `\r` and `\n` are each Enter (echoed
 *      `\r\n`); BS/DEL erase with `\b \b`; Ctrl-C answers `<INTERRUPT>\r\n=> ` and forgets
 *      the line and the repeat;
 *  (c) the line keeps at most 512 characters; each further one is answered with BEL and
 *      dropped; the truncated line still runs on Enter;
 *  (d) an empty line repeats the last repeatable command that succeeded (md continues at
 *      the next address);
 *  (e) `md` polls for Ctrl-C once per output line, consuming one pending input byte each
 *      time (so type-ahead loses characters, as on the real board);
 *  (f) numbers are hex (`hextoul`: optional 0x, parsing stops at the first non-hex
 *      character, none gives 0); `md` with a bad size suffix or a zero count prints nothing;
 *      wrong argument counts print the usage text; an unknown command prints
 *      `Unknown command 'x' - try 'help'`;
 *  (g) an access to an unmapped or misaligned address is a data abort: register dump,
 *      `Resetting CPU ...`, and the board restarts (banner again; `onReset` rebuilds it).
 *
 * Simulated time: every received byte advances the injected clock by one character time
 * at `baud` (10 bits per character), so controller busy windows expire between commands as
 * they would on a real line.
 *
 * Deviations (on purpose): sub-word `mw.b`/`mw.w` to a controller register is a 32-bit
 * read-modify-write (real interconnects may abort or write lanes ✖); the register dump
 * values are made up; `md`/`mw` counts above `maxObjects` are refused with a message so one
 * command cannot fill host memory; only `;` lists and `$?` of the hush shell exist.
 */

export interface ServedBoard {
  readonly name: string;
  /** MMIO: the emulated bus. */
  readonly access: RegisterAccess;
  readonly dramBase: number;
  readonly dramSize: number;
  /** `arm` (32-bit U-Boot: OMAP4, i.MX6) or `arm64` (i.MX8M): abort text, md.q, bdinfo widths. */
  readonly arch: 'arm' | 'arm64';
}

export interface ConsoleFaults {
  /** Slow echo: each echoed character leaves this many ms after the previous one. */
  readonly echoDelayMs?: number;
  /** After this many commands, the board hangs: the next line is echoed, never run, no prompt. */
  readonly hangAfterCommands?: number;
  /** After the prompt of command `after`, print `text` unasked (stray output, garbage). */
  readonly strayAfterCommands?: { readonly after: number; readonly text: string };
}

export type ServerEvent =
  | { readonly kind: 'command'; readonly n: number; readonly line: string; readonly repeat: boolean }
  | { readonly kind: 'reset'; readonly reason: string }
  | { readonly kind: 'hang'; readonly line: string };

export interface ConsoleServerOptions {
  readonly board: ServedBoard;
  /** Needed for the autoboot countdown and for slow-echo faults. */
  readonly timer?: Timer;
  /** Autoboot countdown in seconds (0: prompt at once). Default 0. */
  readonly autobootSeconds?: number;
  readonly prompt?: string;
  /** CONFIG_SYS_CBSIZE. Default 512. */
  readonly lineCap?: number;
  readonly clock?: Clock;
  /** Line speed used to advance the clock per received character. Default 115200. */
  readonly baud?: number;
  /** The board restarts after a data abort or `reset`: return the rebuilt board (or nothing to keep it). */
  readonly onReset?: () => ServedBoard | undefined;
  readonly faults?: ConsoleFaults;
  readonly onEvent?: (event: ServerEvent) => void;
  /** Largest md/mw object count accepted. Default 0x100000. */
  readonly maxObjects?: number;
  /** Version string after `U-Boot `. Default `2023.01`. */
  readonly version?: string;
}

interface Cmd {
  readonly name: string;
  readonly usage: string;
  readonly help: string;
  readonly maxArgs: number;
  readonly run: (argv: string[], repeat: boolean) => number;
}

class DataAbort extends Error {
  constructor(readonly address: number) {
    super(`data abort at 0x${address.toString(16)}`);
  }
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function printSize(bytes: number): string {
  if (bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  return `${bytes} Bytes`;
}

/** U-Boot's hextoul/simple_strtoul(.., 16): optional 0x, stops at the first non-hex char. */
export function hextoul(s: string): number {
  let t = s.trim();
  if (/^0x/i.test(t)) t = t.slice(2);
  const m = /^[0-9a-fA-F]*/.exec(t)![0].slice(0, 16);
  return m === '' ? 0 : parseInt(m, 16);
}

export class UbootConsoleServer {
  private board: ServedBoard;
  private readonly prompt: string;
  private readonly lineCap: number;
  private readonly maxObjects: number;
  private readonly byteNs: number;
  private state: 'off' | 'autoboot' | 'prompt' | 'hung' = 'off';
  private line = '';
  private pending: number[] = [];
  private processing = false;
  private lastRepeat: string | undefined;
  private mdLast = { addr: 0, size: 4 as AccessWidth, length: 0x40 };
  private lastRc = 0;
  private commands = 0;
  private countdown = 0;
  private cancelCountdown: Cancel | undefined;
  /** Output waiting behind a slow echo. */
  private outQueue: { text: string; slow: boolean }[] = [];
  private draining = false;
  private readonly dram = new Map<number, number>();
  private readonly unsubscribe: Cancel[] = [];
  private readonly table: Cmd[];

  constructor(
    private readonly stream: ByteStream,
    private readonly options: ConsoleServerOptions,
  ) {
    this.board = options.board;
    this.prompt = options.prompt ?? '=> ';
    this.lineCap = options.lineCap ?? 512;
    this.maxObjects = options.maxObjects ?? 0x100000;
    this.byteNs = 1e10 / (options.baud ?? 115200);
    if ((options.autobootSeconds ?? 0) > 0 && !options.timer)
      throw new Error('console server: an autoboot countdown needs a timer');
    if ((options.faults?.echoDelayMs ?? 0) > 0 && !options.timer)
      throw new Error('console server: a slow echo needs a timer');
    this.table = this.commandTable();
  }

  /** Commands run so far (repeats included). */
  get commandCount(): number {
    return this.commands;
  }

  /** Words of DRAM written so far (sparse backing). */
  get dramWords(): number {
    return this.dram.size;
  }

  /** Print the banner and start answering. */
  start(): void {
    if (this.state !== 'off') return;
    this.unsubscribe.push(this.stream.onData((b) => this.receive(b)));
    this.unsubscribe.push(this.stream.onClose(() => this.stop()));
    this.boot();
  }

  stop(): void {
    this.cancelCountdown?.();
    for (const u of this.unsubscribe.splice(0)) u();
    this.state = 'off';
  }

  // ---- output --------------------------------------------------------------------------

  private emit(text: string, slow = false): void {
    if (text === '') return;
    const delay = this.options.faults?.echoDelayMs ?? 0;
    if (delay <= 0 || (!slow && this.outQueue.length === 0 && !this.draining)) {
      this.write(text);
      return;
    }
    this.outQueue.push({ text, slow });
    this.drain();
  }

  private drain(): void {
    if (this.draining) return;
    const next = this.outQueue.shift();
    if (!next) return;
    if (!next.slow) {
      this.write(next.text);
      this.drain();
      return;
    }
    this.draining = true;
    this.options.timer!.after(this.options.faults?.echoDelayMs ?? 0, () => {
      this.draining = false;
      if (this.state === 'off') return;
      this.write(next.text);
      this.drain();
    });
  }

  private write(text: string): void {
    try {
      const r = this.stream.write(textToBytes(text));
      if (r instanceof Promise) r.catch(() => this.stop());
    } catch {
      this.stop();
    }
  }

  private out(text: string): void {
    this.emit(text.replace(/\r?\n/g, '\r\n'));
  }

  // ---- boot, autoboot, reset -------------------------------------------------------------

  private boot(): void {
    const b = this.board;
    this.line = '';
    this.lastRepeat = undefined;
    this.out(`\n\nU-Boot ${this.options.version ?? '2023.01'} (pasr-emu virtual board)\n\n`);
    this.out(`Board: ${b.name} (emulated by pasr-emu)\nDRAM:  ${printSize(b.dramSize)}\n`);
    const seconds = this.options.autobootSeconds ?? 0;
    if (seconds > 0) {
      this.state = 'autoboot';
      this.countdown = seconds;
      this.out(`Hit any key to stop autoboot: ${String(seconds).padStart(2)} `);
      this.tick();
    } else {
      this.state = 'prompt';
      this.emit(this.prompt);
    }
  }

  private tick(): void {
    this.cancelCountdown = this.options.timer!.after(1000, () => {
      if (this.state !== 'autoboot') return;
      this.countdown--;
      this.out(`\b\b\b${String(this.countdown).padStart(2)} `);
      if (this.countdown > 0) {
        this.tick();
        return;
      }
      this.out('\n## pasr-emu virtual board: nothing to boot, staying in U-Boot\n');
      this.state = 'prompt';
      this.emit(this.prompt);
    });
  }

  private reset(reason: string, text: string): void {
    this.cancelCountdown?.();
    this.pending = [];
    this.out(text + 'Resetting CPU ...\n\nresetting ...\n');
    this.options.onEvent?.({ kind: 'reset', reason });
    const rebuilt = this.options.onReset?.();
    if (rebuilt) this.board = rebuilt;
    this.mdLast = { addr: 0, size: 4, length: 0x40 };
    this.boot();
  }

  private abortText(address: number): string {
    const h = (x: number, d = 8) => (x >>> 0).toString(16).padStart(d, '0');
    if (this.board.arch === 'arm64') {
      const a = address.toString(16).padStart(16, '0');
      return (
        '"Synchronous Abort" handler, esr 0x96000210\n' +
        'elr: 0000000040213cd8 lr : 0000000040213cb8 (reloc)\n' +
        'elr: 00000000bff5acd8 lr : 00000000bff5acb8\n' +
        `x0 : ${a} x1 : 0000000000000001\n` +
        'x2 : 0000000000000004 x3 : 0000000000000000\n' +
        'x29: 00000000bdf2fb20 x30: 00000000bff5acb8\n\n' +
        'Code: b9400021 b9002fe1 17ffffe6 f9400fe0 (b9400000)\n'
      );
    }
    return (
      'data abort\n' +
      'pc : [<bff6b7d8>]          lr : [<bff6b7c0>]\n' +
      'reloc pc : [<8080d7d8>]    lr : [<8080d7c0>]\n' +
      'sp : bef2ac78  ip : 00000000     fp : 00000004\n' +
      'r10: 00000000  r9 : bef35ea0     r8 : 00000000\n' +
      'r7 : 00000004  r6 : 00000004     r5 : 00000004  r4 : 00000001\n' +
      `r3 : 00000000  r2 : 00000004     r1 : 00000001  r0 : ${h(address)}\n` +
      'Flags: nzCv  IRQs off  FIQs off  Mode SVC_32\n' +
      'Code: e5932000 e1a00002 e8bd8010 e1a00001 (e5900000)\n'
    );
  }

  // ---- input -----------------------------------------------------------------------------

  private receive(bytes: Uint8Array): void {
    for (const b of bytes) this.pending.push(b);
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.pending.length > 0) {
        const b = this.pending.shift()!;
        this.options.clock?.advance(this.byteNs);
        this.handle(b);
      }
    } finally {
      this.processing = false;
    }
  }

  /** md's ctrlc(): consume one pending byte, if any; true when it was Ctrl-C. */
  private pollCtrlC(): boolean {
    const b = this.pending.shift();
    return b === 0x03;
  }

  private handle(b: number): void {
    switch (this.state) {
      case 'off':
      case 'hung':
        return;
      case 'autoboot':
        this.cancelCountdown?.();
        this.out('\b\b\b 0 \n');
        this.state = 'prompt';
        this.emit(this.prompt);
        return;
      case 'prompt':
        break;
    }
    if (b === 0x03) {
      this.line = '';
      this.lastRepeat = undefined;
      this.out('<INTERRUPT>\n');
      this.emit(this.prompt);
      return;
    }
    if (b === 0x0d || b === 0x0a) {
      this.emit('\r\n', true);
      const line = this.line;
      this.line = '';
      this.enter(line);
      return;
    }
    if (b === 0x08 || b === 0x7f) {
      if (this.line.length > 0) {
        this.line = this.line.slice(0, -1);
        this.emit('\b \b', true);
      }
      return;
    }
    if (b < 0x20) return;
    if (this.line.length >= this.lineCap) {
      this.emit('\x07', true);
      return;
    }
    const ch = String.fromCharCode(b);
    this.line += ch;
    this.emit(ch, true);
  }

  private enter(typed: string): void {
    const repeat = typed.length === 0;
    const line = repeat ? this.lastRepeat : typed;
    if (line === undefined) {
      this.emit(this.prompt);
      return;
    }
    const hang = this.options.faults?.hangAfterCommands;
    if (hang !== undefined && this.commands >= hang) {
      this.state = 'hung';
      this.options.onEvent?.({ kind: 'hang', line });
      return;
    }
    this.commands++;
    this.options.onEvent?.({ kind: 'command', n: this.commands, line, repeat });
    let rc: number;
    try {
      rc = this.runLine(line, repeat);
    } catch (e) {
      if (e instanceof DataAbort) {
        this.reset(e.message, this.abortText(e.address));
        return;
      }
      if (e instanceof ResetRequest) {
        this.reset('reset command', '');
        return;
      }
      throw e;
    }
    this.lastRepeat = rc === 0 ? line : undefined;
    this.emit(this.prompt);
    const stray = this.options.faults?.strayAfterCommands;
    if (stray && stray.after === this.commands) this.emit(stray.text);
  }

  /** A `;`-separated list (hush); returns the last command's status. */
  private runLine(line: string, repeat: boolean): number {
    let rc = 0;
    for (const part of splitList(line)) {
      const argv = tokenize(part).map((t) => t.replace(/\$\?/g, String(this.lastRc)));
      if (argv.length === 0) continue;
      const name = argv[0]!.split('.')[0]!;
      const exact = this.table.find((c) => c.name === name);
      const prefixed = this.table.filter((c) => c.name.startsWith(name));
      const cmd = exact ?? (prefixed.length === 1 ? prefixed[0] : undefined);
      if (!cmd || name === '') {
        this.out(`Unknown command '${argv[0]}' - try 'help'\n`);
        rc = 1;
      } else if (argv.length > cmd.maxArgs) {
        rc = this.usage(cmd);
      } else {
        rc = cmd.run(argv, repeat);
      }
      this.lastRc = rc;
    }
    return rc;
  }

  private usage(cmd: Cmd): number {
    this.out(`${cmd.name} - ${cmd.usage}\n\nUsage:\n${cmd.name} ${cmd.help}\n`);
    return 1;
  }

  // ---- commands --------------------------------------------------------------------------

  private commandTable(): Cmd[] {
    const arch64 = (): boolean => this.board.arch === 'arm64';
    const sizes = () => (arch64() ? '[.b, .w, .l, .q]' : '[.b, .w, .l]');
    const cmds: Cmd[] = [
      { name: '?', usage: "alias for 'help'", help: '[command ...]', maxArgs: 64, run: (a) => this.doHelp(a) },
      { name: 'bdinfo', usage: 'print Board Info structure', help: '', maxArgs: 2, run: () => this.doBdinfo() },
      { name: 'echo', usage: 'echo args to console', help: '[-n] [args..]', maxArgs: 64, run: (a) => this.doEcho(a) },
      {
        name: 'help',
        usage: 'print command description/usage',
        help: '[command ...]',
        maxArgs: 64,
        run: (a) => this.doHelp(a),
      },
      {
        name: 'md',
        usage: 'memory display',
        get help() {
          return `${sizes()} address [# of objects]`;
        },
        maxArgs: 3,
        run: (a, r) => this.doMd(a, r),
      },
      {
        name: 'mw',
        usage: 'memory write (fill)',
        get help() {
          return `${sizes()} address value [count]`;
        },
        maxArgs: 4,
        run: (a) => this.doMw(a),
      },
      {
        name: 'reset',
        usage: 'Perform RESET of the CPU',
        help: '',
        maxArgs: 2,
        run: () => {
          throw new ResetRequest();
        },
      },
      {
        name: 'version',
        usage: 'print monitor, compiler and linker version',
        help: '',
        maxArgs: 1,
        run: () => this.doVersion(),
      },
    ];
    return cmds;
  }

  private dataSize(cmd: string, dflt: AccessWidth): AccessWidth | -1 {
    const dot = cmd.indexOf('.');
    if (dot < 0) return dflt;
    switch (cmd[dot + 1]) {
      case 'b':
        return 1;
      case 'w':
        return 2;
      case 'l':
        return 4;
      case 'q':
        return this.board.arch === 'arm64' ? 8 : -1;
      default:
        return -1;
    }
  }

  private tooMany(count: number): boolean {
    if (count <= this.maxObjects) return false;
    this.out(
      `pasr-emu: count 0x${count.toString(16)} exceeds this virtual console's limit of 0x${this.maxObjects.toString(16)}\n`,
    );
    return true;
  }

  private doMd(argv: string[], repeat: boolean): number {
    const cmd = this.table.find((c) => c.name === 'md')!;
    if (argv.length < 2) return this.usage(cmd);
    let { addr, size, length } = this.mdLast;
    if (!repeat) {
      const s = this.dataSize(argv[0]!, 4);
      if (s === -1) return 1;
      size = s;
      addr = this.wrap(hextoul(argv[1]!));
      if (argv.length > 2) length = hextoul(argv[2]!);
    }
    if (this.tooMany(length)) return 1;
    const perLine = MD_BYTES_PER_LINE / size;
    let a = addr;
    let left = length;
    let rc = 0;
    while (left > 0) {
      const n = Math.min(perLine, left);
      const bytes = new Uint8Array(n * size);
      for (let i = 0; i < n; i++) this.load(a + i * size, size, bytes, i * size);
      this.out(formatMdLine(a, bytes, size) + '\n');
      a += n * size;
      left -= n;
      if (this.pollCtrlC()) {
        rc = 1;
        break;
      }
    }
    this.mdLast = { addr: addr + length * size, size, length };
    return rc;
  }

  private doMw(argv: string[]): number {
    const cmd = this.table.find((c) => c.name === 'mw')!;
    if (argv.length < 3 || argv.length > 4) return this.usage(cmd);
    const size = this.dataSize(argv[0]!, 4);
    if (size === -1) return 1;
    let addr = this.wrap(hextoul(argv[1]!));
    const value = hextoul(argv[2]!);
    const count = argv.length === 4 ? hextoul(argv[3]!) : 1;
    if (this.tooMany(count)) return 1;
    for (let i = 0; i < count; i++, addr += size) this.store(addr, size, value);
    return 0;
  }

  private doEcho(argv: string[]): number {
    let args = argv.slice(1);
    let nl = '\n';
    if (args[0] === '-n') {
      nl = '';
      args = args.slice(1);
    }
    this.out(args.join(' ') + nl);
    return 0;
  }

  private doHelp(argv: string[]): number {
    if (argv.length > 1) {
      let rc = 0;
      for (const name of argv.slice(1)) {
        const c = this.table.find((x) => x.name === name);
        if (!c) {
          this.out(`Unknown command '${name}' - try 'help' without arguments for list of all known commands\n\n`);
          rc = 1;
        } else this.usage(c);
      }
      return rc;
    }
    for (const c of this.table) this.out(`${c.name.padEnd(10)}- ${c.usage}\n`);
    return 0;
  }

  private doVersion(): number {
    this.out(
      `U-Boot ${this.options.version ?? '2023.01'} (pasr-emu virtual board)\n\npasr-emu: mw/md reach the emulated controllers of ${this.board.name}\n`,
    );
    return 0;
  }

  private doBdinfo(): number {
    const b = this.board;
    const digits = b.arch === 'arm64' ? 16 : 8;
    const num = (name: string, v: number) =>
      this.out(`${name.padEnd(12)}= 0x${v.toString(16).padStart(digits, '0')}\n`);
    // ✖ relocaddr: U-Boot relocates below the top of the RAM it can address (4 GiB on 32-bit);
    // 16 MiB below that top is a plausible stand-in, not a measured value.
    const top = Math.min(b.dramBase + b.dramSize, 2 ** 32);
    const reloc = top - 16 * MiB;
    num('boot_params', b.dramBase + 0x100);
    num('DRAM bank', 0);
    num('-> start', b.dramBase);
    num('-> size', b.dramSize);
    num('flashstart', 0);
    num('flashsize', 0);
    num('flashoffset', 0);
    this.out(`${'baudrate'.padEnd(12)}= ${this.options.baud ?? 115200} bps\n`);
    num('relocaddr', reloc);
    num('reloc off', reloc - b.dramBase);
    this.out(`${'Build'.padEnd(12)}= ${b.arch === 'arm64' ? 64 : 32}-bit\n`);
    return 0;
  }

  // ---- memory ----------------------------------------------------------------------------

  private wrap(address: number): number {
    return this.board.arch === 'arm64' ? address : address % 2 ** 32;
  }

  private inDram(address: number, size: number): boolean {
    return address >= this.board.dramBase && address + size <= this.board.dramBase + this.board.dramSize;
  }

  /** Read `size` bytes at `address` into out[at..] in memory (little-endian) order. */
  private load(address: number, size: AccessWidth, out: Uint8Array, at: number): void {
    if (address % size !== 0) throw new DataAbort(address);
    if (size === 8) {
      this.load(address, 4, out, at);
      this.load(address + 4, 4, out, at + 4);
      return;
    }
    const word = this.readWord(address - (address % 4));
    const shift = (address % 4) * 8;
    for (let i = 0; i < size; i++) out[at + i] = (word >>> (shift + i * 8)) & 0xff;
  }

  private store(address: number, size: AccessWidth, value: number): void {
    if (address % size !== 0) throw new DataAbort(address);
    if (size === 8) {
      this.store(address, 4, value % 2 ** 32);
      this.store(address + 4, 4, Math.floor(value / 2 ** 32) % 2 ** 32);
      return;
    }
    if (size === 4) {
      this.writeWord(address, value % 2 ** 32);
      return;
    }
    const base = address - (address % 4);
    const shift = (address % 4) * 8;
    const m = ((size === 1 ? 0xff : 0xffff) << shift) >>> 0;
    const old = this.readWord(base);
    this.writeWord(base, ((old & ~m) | ((value << shift) & m)) >>> 0);
  }

  private readWord(address: number): number {
    if (this.inDram(address, 4)) return this.dram.get(address / 4) ?? 0;
    try {
      return this.board.access.read32(address) >>> 0;
    } catch (e) {
      if (e instanceof BusError) throw new DataAbort(address);
      throw e;
    }
  }

  private writeWord(address: number, value: number): void {
    if (this.inDram(address, 4)) {
      if (value === 0) this.dram.delete(address / 4);
      else this.dram.set(address / 4, value >>> 0);
      return;
    }
    try {
      this.board.access.write32(address, value >>> 0);
    } catch (e) {
      if (e instanceof BusError) throw new DataAbort(address);
      throw e;
    }
  }
}

class ResetRequest extends Error {}

/** Split a hush command list on `;` outside quotes. */
function splitList(line: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quote = '';
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = '';
      cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      cur += ch;
    } else if (ch === ';') {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

/** Whitespace-separated words; quotes group and are removed. */
function tokenize(part: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  let inWord = false;
  for (const ch of part) {
    if (quote) {
      if (ch === quote) quote = '';
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === ' ' || ch === '\t') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}
