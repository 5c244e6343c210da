import { showTraffic, textToBytes, bytesToText, type ByteStream, type Cancel, type Timer } from './byte-stream.js';
import { parseMdOutput } from './md-format.js';
import { hex } from '../bits.js';

/**
 * A client for a real U-Boot console (2023.01 behaviour, shared/reference/uboot-console.md)
 * over an injected byte stream and timer.
 *
 * Rules it keeps (reference §0):
 *  (a) synchronise with Ctrl-C (0x03) until the received text ends with the prompt `=> `,
 *      resending Ctrl-C on timeout, a bounded number of times; the first attempt after the
 *      port opened waits longer (first reply can take ~1 s). Never a bare Enter: an empty
 *      line repeats the last command.
 *  (b) every command ends with `\r` only, and is sent only at a prompt: one command at a time
 *      (a second call while one runs is a programming error and throws).
 *  (c) a command longer than the line cap (512) is refused before anything is sent: U-Boot
 *      would answer the extra characters with BEL and still run the truncated line.
 *  (d) replies are accumulated until the first `\r\n=> ` (uboot-console.md §7 matches
 *      /\r\n=> $/ on the buffer; the first occurrence is the same point, and also holds when
 *      stray output follows the prompt in the same fragment); the echoed command line
 *      must come back first, exactly, and is stripped before parsing. A different echo means
 *      the board may have run a different command: that is an error, never ignored.
 *  (e) failures are detected from the text: `Unknown command`, usage text, and a reset
 *      (`data abort`, `"Synchronous Abort"`, `Resetting CPU`, a `U-Boot 20xx` banner).
 *  (f) every wait has a timeout; only idempotent commands (reads) are retried, a bounded
 *      number of times, after re-synchronising. A write is never re-sent: when its prompt
 *      does not come back we cannot tell whether it ran, and a second MRW trigger, doorbell
 *      or write-1-to-clear is not the same as one.
 *  (g) output that arrives between commands is inspected before the next command is sent:
 *      a reset banner is a `board-reset` error, non-text bytes are `garbage` (line noise or
 *      a wrong baud rate could corrupt our own commands too), plain text is reported as a
 *      warning and the console is re-synchronised with Ctrl-C (which also discards anything
 *      the noise may have typed into the line editor).
 *  (h) a closed stream or a failed write ends the console: every later call fails with
 *      `disconnected`.
 */

export type ConsoleErrorCode =
  | 'timeout'
  | 'no-prompt'
  | 'board-reset'
  | 'line-too-long'
  | 'command-failed'
  | 'disconnected'
  | 'garbage';

export class ConsoleError extends Error {
  override readonly name = 'ConsoleError';
  constructor(
    readonly code: ConsoleErrorCode,
    /** What went wrong, without the traffic. */
    readonly summary: string,
    /** What the client sent for the failed exchange (may be empty). */
    readonly sent: string,
    /** What the client received for the failed exchange (may be empty). */
    readonly received: string,
  ) {
    const parts = [summary];
    if (sent) parts.push(`sent ${showTraffic(sent)}`);
    if (received) parts.push(`received ${showTraffic(received)}`);
    super(parts.join('; '));
  }
}

export interface ConsoleOptions {
  /** CONFIG_SYS_PROMPT. Default `=> `. */
  readonly prompt?: string;
  /** Longest command line the board keeps (CONFIG_SYS_CBSIZE). Default 512. */
  readonly lineCap?: number;
  /** First Ctrl-C after the port opened: wait this long for the prompt. Default 1500 ms. */
  readonly firstReplyTimeoutMs?: number;
  /** Later Ctrl-C attempts: wait this long for the prompt. Default 750 ms. */
  readonly syncTimeoutMs?: number;
  /** Ctrl-C attempts before giving up. Default 3. */
  readonly syncAttempts?: number;
  /** After a prompt during sync, this much silence means nothing else is coming. Default 25 ms. */
  readonly settleMs?: number;
  /** Wait for a command's prompt at most this long. Default 2000 ms. */
  readonly commandTimeoutMs?: number;
  /** Extra attempts for an idempotent command (a read) after a timeout or a garbled echo. Default 2. */
  readonly readRetries?: number;
  /** A reply longer than this without a prompt is garbage. Default 1 MiB. */
  readonly maxReplyBytes?: number;
  /** Long lines are sent in pieces of this many characters, each after the previous one echoed. Default 64. */
  readonly echoChunk?: number;
  /** Sees every byte sent and received (for --verbose transcripts). */
  readonly onTraffic?: (direction: 'tx' | 'rx', text: string) => void;
  /** Sees recoverable oddities (stray output, retries). */
  readonly onWarning?: (message: string) => void;
}

const DEFAULTS: Required<Omit<ConsoleOptions, 'onTraffic' | 'onWarning'>> = {
  prompt: '=> ',
  lineCap: 512,
  firstReplyTimeoutMs: 1500,
  syncTimeoutMs: 750,
  syncAttempts: 3,
  settleMs: 25,
  commandTimeoutMs: 2000,
  readRetries: 2,
  maxReplyBytes: 1 << 20,
  echoChunk: 64,
};

/** Text that means the board crashed or restarted (ARM32 and AArch64 U-Boot). */
const RESET_RE =
  /data abort|prefetch abort|undefined instruction|"Synchronous Abort" handler|Resetting CPU|resetting \.\.\./;
const BANNER_RE = /U-Boot (?:SPL )?20\d\d\.\d\d/;
const UNKNOWN_RE = /Unknown command '([^']*)' - try 'help'/;
const USAGE_RE = /^Usage:/m;
/** Bytes a console prints in normal operation: text, CR/LF, TAB, BS (autoboot redraw), BEL. */
const TEXT_RE = /^[\x20-\x7e\r\n\t\b\x07]*$/;

const RETRYABLE: ReadonlySet<ConsoleErrorCode> = new Set(['timeout', 'garbage']);

class WaitTimeout extends Error {}

interface Waiter {
  check(): void;
  fail(error: Error): void;
}

export interface CommandOptions {
  /** The command is idempotent (a read): retry it after a timeout or garbled echo. */
  readonly retry?: boolean;
  readonly timeoutMs?: number;
  /** The command prints a `U-Boot 20xx` version line on purpose (`version`). */
  readonly allowBanner?: boolean;
}

export class UbootConsole {
  private readonly o: typeof DEFAULTS & Pick<ConsoleOptions, 'onTraffic' | 'onWarning'>;
  private rx = '';
  private waiter: Waiter | undefined;
  private closedWith: ConsoleError | undefined;
  private synced = false;
  /** No prompt seen yet since the port opened: the first reply may be slow. */
  private fresh = true;
  private busy = false;
  private readonly unsubscribe: Cancel[];
  /** Recoverable oddities seen so far (stray output, retries), oldest first. */
  readonly warnings: string[] = [];

  constructor(
    private readonly stream: ByteStream,
    private readonly timer: Timer,
    options: ConsoleOptions = {},
  ) {
    this.o = { ...DEFAULTS, ...options };
    if (this.o.lineCap < 1 || this.o.syncAttempts < 1 || this.o.readRetries < 0 || this.o.echoChunk < 1) {
      throw new RangeError('UbootConsole: lineCap, syncAttempts and echoChunk must be >= 1, readRetries >= 0');
    }
    this.unsubscribe = [stream.onData((b) => this.onBytes(b)), stream.onClose((e) => this.onPeerClose(e))];
  }

  /** True once the stream has closed or a write failed. */
  get disconnected(): boolean {
    return this.closedWith !== undefined;
  }

  get lineCap(): number {
    return this.o.lineCap;
  }

  /** Stop listening to the stream (does not close it). */
  dispose(): void {
    for (const u of this.unsubscribe) u();
    this.waiter?.fail(new ConsoleError('disconnected', 'the console client was disposed', '', ''));
  }

  /** Synchronise with Ctrl-C until the prompt (rule a). */
  async sync(options: { attempts?: number; timeoutMs?: number } = {}): Promise<void> {
    await this.exclusive(() => this.syncLocked(options));
  }

  /**
   * Run one command and return its output: the text between the echoed command line and the
   * next prompt (each line ending `\r\n`; empty for a silent command such as `mw`).
   */
  async command(line: string, options: CommandOptions = {}): Promise<string> {
    this.validate(line);
    return this.exclusive(async () => {
      if (this.closedWith)
        throw new ConsoleError(
          'disconnected',
          `${this.closedWith.summary}; ${JSON.stringify(line)} was not sent`,
          '',
          '',
        );
      if (!this.synced) await this.syncLocked({});
      await this.checkStray();
      const attempts = options.retry ? 1 + this.o.readRetries : 1;
      let last: ConsoleError | undefined;
      for (let a = 0; a < attempts; a++) {
        if (a > 0) {
          this.warn(`retrying ${JSON.stringify(line)} (attempt ${a + 1} of ${attempts}) after: ${last!.summary}`);
          await this.syncLocked({});
        }
        try {
          return await this.once(line, options);
        } catch (e) {
          if (!(e instanceof ConsoleError) || !RETRYABLE.has(e.code)) throw e;
          last = e;
        }
      }
      const summary = attempts > 1 ? `${last!.summary} (gave up after ${attempts} attempts)` : last!.summary;
      throw new ConsoleError(last!.code, summary, last!.sent, last!.received);
    });
  }

  /** `md.l <address> 1`: one 32-bit read. Retried on timeout (reads are idempotent). */
  async readWord(address: number, options: { timeoutMs?: number; retry?: boolean } = {}): Promise<number> {
    const line = `md.l ${hex(address)} 1`;
    const out = await this.command(line, {
      retry: options.retry ?? true,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
    const parsed = parseMdOutput(out, address, 1, 4);
    if (!parsed.ok)
      throw new ConsoleError(
        'garbage',
        `cannot parse the reply to ${JSON.stringify(line)}: ${parsed.problem}`,
        line + '\r',
        out,
      );
    return parsed.values[0]!;
  }

  /** `mw.l <address> <value>`: one 32-bit write. Never retried (rule f). */
  async writeWord(address: number, value: number, options: { timeoutMs?: number } = {}): Promise<void> {
    const line = `mw.l ${hex(address)} ${hex(value >>> 0)}`;
    const out = await this.command(line, options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {});
    if (out !== '')
      throw new ConsoleError(
        'command-failed',
        `${JSON.stringify(line)} printed output; mw prints nothing when it succeeds`,
        line + '\r',
        out,
      );
  }

  // ---------------------------------------------------------------------------------------

  private validate(line: string): void {
    if (/[\x00-\x1f\x7f-\uffff]/.test(line)) {
      throw new TypeError(
        `console command ${JSON.stringify(line)} contains a control or non-ASCII character (one command per line, no CR/LF)`,
      );
    }
    if (line.length === 0) throw new TypeError('an empty console command would repeat the previous one; refused');
    if (line.length > this.o.lineCap) {
      throw new ConsoleError(
        'line-too-long',
        `the command is ${line.length} characters; U-Boot keeps ${this.o.lineCap}, rings BEL for the rest and runs the truncated line, so it was not sent`,
        '',
        '',
      );
    }
  }

  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.busy) throw new Error('UbootConsole: one command at a time (a call was made while another was running)');
    this.busy = true;
    try {
      return await fn();
    } finally {
      this.busy = false;
    }
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.o.onWarning?.(message);
  }

  private onBytes(bytes: Uint8Array): void {
    const text = bytesToText(bytes);
    this.o.onTraffic?.('rx', text);
    this.rx += text;
    this.waiter?.check();
  }

  private onPeerClose(error?: Error): void {
    this.closedWith ??= new ConsoleError(
      'disconnected',
      `the console went away${error ? ` (${error.message})` : ''}`,
      '',
      '',
    );
    this.waiter?.fail(this.closedWith);
  }

  private disconnectedError(sent: string): ConsoleError {
    return new ConsoleError('disconnected', this.closedWith!.summary, sent, this.rx);
  }

  private async send(text: string): Promise<void> {
    // A failed or refused write sent nothing: the error's `sent` stays empty, and the
    // summary names what was about to go out.
    const attempted = `; ${showTraffic(text)} was not sent`;
    if (this.closedWith) throw new ConsoleError('disconnected', this.closedWith.summary + attempted, '', this.rx);
    this.o.onTraffic?.('tx', text);
    try {
      await this.stream.write(textToBytes(text));
    } catch (e) {
      this.closedWith ??= new ConsoleError(
        'disconnected',
        `writing to the console failed (${(e as Error).message}); the board or adapter went away`,
        '',
        '',
      );
      throw new ConsoleError('disconnected', this.closedWith.summary + attempted, '', this.rx);
    }
  }

  /**
   * Wait until `match(rx)` returns a value, with a timeout. With `settleMs`, a match only
   * counts once nothing more has arrived for that long (new data re-runs the match).
   */
  private wait<T>(timeoutMs: number, match: (rx: string) => T | undefined, settleMs = 0): Promise<T> {
    if (this.closedWith) return Promise.reject(this.disconnectedError(''));
    return new Promise<T>((resolve, reject) => {
      let cancelSettle: Cancel | undefined;
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        cancelTimeout();
        cancelSettle?.();
        this.waiter = undefined;
        fn();
      };
      const check = () => {
        if (this.rx.length > this.o.maxReplyBytes) {
          finish(() =>
            reject(
              new ConsoleError(
                'garbage',
                `more than ${this.o.maxReplyBytes} bytes arrived without a prompt`,
                '',
                this.rx,
              ),
            ),
          );
          return;
        }
        cancelSettle?.();
        cancelSettle = undefined;
        const r = match(this.rx);
        if (r === undefined) return;
        if (settleMs > 0) cancelSettle = this.timer.after(settleMs, () => finish(() => resolve(r)));
        else finish(() => resolve(r));
      };
      const cancelTimeout = this.timer.after(timeoutMs, () => finish(() => reject(new WaitTimeout())));
      this.waiter = { check, fail: (e) => finish(() => reject(e)) };
      check();
    });
  }

  private async syncLocked(options: { attempts?: number; timeoutMs?: number }): Promise<void> {
    const attempts = Math.max(1, options.attempts ?? this.o.syncAttempts);
    let sent = '';
    let seen = '';
    let waited = 0;
    for (let i = 0; i < attempts; i++) {
      const timeout = options.timeoutMs ?? (this.fresh && i === 0 ? this.o.firstReplyTimeoutMs : this.o.syncTimeoutMs);
      seen += this.rx;
      this.rx = '';
      await this.send('\x03');
      sent += '\x03';
      try {
        await this.wait(timeout, (rx) => (rx.endsWith(this.o.prompt) ? true : undefined), this.o.settleMs);
        this.rx = '';
        this.fresh = false;
        this.synced = true;
        return;
      } catch (e) {
        if (!(e instanceof WaitTimeout)) throw e;
        waited += timeout;
      }
    }
    seen += this.rx;
    this.rx = '';
    this.synced = false;
    const hint =
      seen === ''
        ? 'nothing came back'
        : TEXT_RE.test(seen)
          ? 'text came back but no prompt'
          : 'non-text bytes came back (wrong baud rate?)';
    throw new ConsoleError(
      'no-prompt',
      `no ${JSON.stringify(this.o.prompt)} prompt after ${attempts} Ctrl-C over ${waited} ms (${hint}): is the board at the U-Boot prompt, on this port, at this baud rate?`,
      sent,
      seen,
    );
  }

  /** Rule (g): look at what arrived since the last prompt before sending anything. */
  private async checkStray(): Promise<void> {
    if (this.rx === '') return;
    const stray = this.rx;
    this.rx = '';
    if (RESET_RE.test(stray) || BANNER_RE.test(stray)) {
      this.synced = false;
      throw new ConsoleError(
        'board-reset',
        'the board reset between commands: every register written before is back to its boot value',
        '',
        stray,
      );
    }
    if (!TEXT_RE.test(stray)) {
      this.synced = false;
      throw new ConsoleError(
        'garbage',
        'non-text bytes arrived between commands (line noise, a wrong baud rate, or another program on the port); nothing more was sent',
        '',
        stray,
      );
    }
    this.warn(`stray console output between commands, re-synchronised with Ctrl-C: ${showTraffic(stray, 120)}`);
    await this.syncLocked({});
  }

  private async once(line: string, options: CommandOptions): Promise<string> {
    const timeoutMs = options.timeoutMs ?? this.o.commandTimeoutMs;
    const sent = line + '\r';
    this.rx = '';
    // Long lines go out in pieces, each after the previous piece echoed (a physical UART's
    // receive FIFO can overrun on a long burst, reference §4). A bad echo of a piece is
    // answered with Ctrl-C, which discards the partial line before it can run.
    let typed = 0;
    while (line.length - typed > this.o.echoChunk) {
      const piece = line.slice(typed, typed + this.o.echoChunk);
      await this.send(piece);
      typed += piece.length;
      const upTo = line.slice(0, typed);
      try {
        await this.wait(timeoutMs, (rx) => (rx.length >= typed ? true : undefined));
      } catch (e) {
        if (!(e instanceof WaitTimeout)) throw e;
        await this.abandonLine();
        throw new ConsoleError(
          'timeout',
          `the first ${typed} characters were not echoed within ${timeoutMs} ms; the partial line was discarded with Ctrl-C`,
          upTo,
          this.rx,
        );
      }
      if (!this.rx.startsWith(upTo)) {
        const got = this.rx;
        await this.abandonLine();
        throw new ConsoleError(
          'garbage',
          'the echo differs from the characters sent; the partial line was discarded with Ctrl-C and not run',
          upTo,
          got,
        );
      }
    }
    await this.send(line.slice(typed) + '\r');
    // The first `\r\n=> ` ends the reply. (Not only "the buffer ends with it": the prompt
    // and whatever follows it, such as stray output, can arrive in one fragment, or before
    // this wait starts.) Text after the prompt stays in the buffer for checkStray.
    const marker = '\r\n' + this.o.prompt;
    let outcome: 'reset' | number;
    try {
      outcome = await this.wait(timeoutMs, (rx): 'reset' | number | undefined => {
        if (RESET_RE.test(rx) || (!options.allowBanner && BANNER_RE.test(rx))) return 'reset';
        const at = rx.indexOf(marker);
        return at >= 0 ? at + marker.length : undefined;
      });
    } catch (e) {
      if (e instanceof WaitTimeout) {
        this.synced = false;
        const got = this.rx;
        this.rx = '';
        const what =
          got === ''
            ? 'nothing came back'
            : got.startsWith(line)
              ? 'the echo came back but no prompt'
              : 'no echo of the command came back';
        throw new ConsoleError(
          'timeout',
          `no prompt within ${timeoutMs} ms after ${JSON.stringify(line)} (${what})`,
          sent,
          got,
        );
      }
      if (e instanceof ConsoleError && e.code === 'disconnected')
        throw new ConsoleError('disconnected', e.summary, sent, this.rx);
      throw e;
    }
    let rx = this.rx;
    if (outcome === 'reset') this.rx = '';
    else {
      rx = this.rx.slice(0, outcome);
      this.rx = this.rx.slice(outcome);
    }
    if (outcome === 'reset') {
      this.synced = false;
      throw new ConsoleError(
        'board-reset',
        `the board crashed and reset while running ${JSON.stringify(line)}: every register written before is back to its boot value`,
        sent,
        rx,
      );
    }
    if (rx.includes('\x07')) {
      throw new ConsoleError(
        'line-too-long',
        `the board rang BEL: its line buffer is shorter than the ${line.length} characters sent, and the truncated line ran (set the line cap to the board's CONFIG_SYS_CBSIZE)`,
        sent,
        rx,
      );
    }
    const echo = line + '\r\n';
    if (!rx.startsWith(echo)) {
      this.synced = false;
      throw new ConsoleError(
        'garbage',
        'the console echoed something other than the command sent: the command that ran may differ from it',
        sent,
        rx,
      );
    }
    const body = rx.slice(echo.length, rx.length - this.o.prompt.length);
    const unknown = UNKNOWN_RE.exec(body);
    if (unknown) throw new ConsoleError('command-failed', `U-Boot does not know the command '${unknown[1]}'`, sent, rx);
    if (USAGE_RE.test(body))
      throw new ConsoleError(
        'command-failed',
        `${JSON.stringify(line)} printed its usage text: the arguments were refused`,
        sent,
        rx,
      );
    return body;
  }

  /** Discard a partially typed line with Ctrl-C (best effort: errors here are secondary). */
  private async abandonLine(): Promise<void> {
    this.synced = false;
    try {
      await this.send('\x03');
    } catch {
      // the primary error is reported by the caller
    }
  }
}
