/**
 * A streaming reader of the text the kernel's trace buffer gives for the kmem page events
 * (tracefs `trace` and `trace_pipe`, `trace-cmd report`): text goes in as chunks of any size, page
 * operations come out in a bounded batch handed to a sink whenever it fills. Memory does not grow
 * with the input: one partial line (at most MAX_LINE_CHARS) is carried between chunks, the gfp
 * names cache is bounded.
 *
 * A line is `TASK-PID [(TGID)] [CPU] [FLAGS] SECONDS.FRACTION: EVENT: FIELDS` (TASK may hold
 * spaces; the flags column is absent without the latency format), with the fields of
 * include/trace/events/kmem.h:
 *   mm_page_alloc              page=%p pfn=0x%lx order=%d migratetype=%d gfp_flags=%s
 *                              (page=(nil) pfn=0 for an allocation that failed)
 *   mm_page_free               page=%p pfn=0x%lx order=%d
 *   mm_page_free_batched       page=%p pfn=0x%lx order=0
 *   mm_page_pcpu_drain         page=%p pfn=0x%lx order=%d migratetype=%d
 *   mm_page_alloc_zone_locked  page=%p pfn=0x%lx order=%u migratetype=%d percpu_refill=%d
 *   mm_page_alloc_extfrag      page=%p pfn=0x%lx alloc_order=%d fallback_order=%d ...
 * (pfn is decimal in kernels before 5.x; both are read). Only mm_page_alloc and mm_page_free
 * change which pages are in use, and they are the operations put out:
 *  - mm_page_free reports every page freed (since 2.6.33); mm_page_free_batched is the second
 *    event of a page freed through a list (free_unref_folios()), already reported by mm_page_free;
 *  - mm_page_alloc_zone_locked is the buddy side of an allocation (reported by mm_page_alloc) or a
 *    refill of a per-cpu list; mm_page_pcpu_drain moves free pages from a per-cpu list back to the
 *    buddy lists; mm_page_alloc_extfrag tells an allocation stole from another migratetype.
 * Those four are read, checked and counted by event, not put out.
 *
 * Other lines: `#` headers (`# tracer: nop` — another tracer is an error; `# entries-in-buffer/
 * entries-written: A/B #P:N`, B - A events overwritten before the buffer was read), `CPU:N [LOST
 * M EVENTS]` (trace_pipe: M events lost), `##### CPU N buffer started ####`, trace-cmd's
 * `cpus=N`, `version = N` and `CPU N is empty`, blank lines: counted. A line of another event
 * is counted as otherEvent; a kmem event whose fields do not read, as malformedEvent; a line
 * that is no trace line at all, as notATraceLine once a trace line was seen, and an error before
 * (a CSV, a log, a file of another kind); a line longer than MAX_LINE_CHARS as lineTooLong; the
 * last line when it has no newline (the capture was cut) as truncatedLastLine, never applied.
 * Errors (TraceInputError, with the line number): a control character in a line that does not
 * read (binary data: lines that read are not scanned for them), another
 * tracer, a raw-counter timestamp (trace_clock counter or x86-tsc), no trace line to begin with.
 *
 * Invariants (checkInvariants()): the batch holds at most its capacity; eventsParsed is the sum
 * of eventsByKind; every line read is counted once: as an event, a skipped line or a header
 * (lines = eventsParsed + Σ skippedLines); operation times are relative to the first event.
 */
import { parseGfpNames } from './gfp-names.js';

export const KMEM_EVENTS = [
  'mm_page_alloc',
  'mm_page_free',
  'mm_page_free_batched',
  'mm_page_pcpu_drain',
  'mm_page_alloc_zone_locked',
  'mm_page_alloc_extfrag',
] as const;
export type KmemEventName = (typeof KMEM_EVENTS)[number];
const EV_ALLOC = 0;
const EV_FREE = 1;

export const SKIP_REASONS = [
  'header',
  'cpuBufferStarted',
  'blank',
  'otherEvent',
  'malformedEvent',
  'notATraceLine',
  'lineTooLong',
  'truncatedLastLine',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];
const SK_HEADER = 0;
const SK_BUFFER_STARTED = 1;
const SK_BLANK = 2;
const SK_OTHER_EVENT = 3;
const SK_MALFORMED = 4;
const SK_NOT_TRACE = 5;
const SK_TOO_LONG = 6;
const SK_TRUNCATED = 7;

/** Longest line read (kernel trace lines are below 1 KiB; trace_seq holds one page). */
export const MAX_LINE_CHARS = 8192;
/** Distinct gfp_flags strings remembered (a trace has tens). */
const GFP_CACHE_MAX = 4096;

export const OP_ALLOC = 0;
export const OP_FREE = 1;

/** Page operations in a bounded batch, as typed columns. */
export class KmemOps {
  length = 0;
  readonly op: Uint8Array;
  /** Nanoseconds since the first event of the trace (negative for an event printed before it). */
  readonly tNs: Float64Array;
  readonly pfn: Float64Array;
  readonly order: Uint8Array;
  readonly migratetype: Int8Array;
  /** The model's gfp bits (allocations). */
  readonly gfp: Int32Array;

  constructor(readonly capacity = 4096) {
    this.op = new Uint8Array(capacity);
    this.tNs = new Float64Array(capacity);
    this.pfn = new Float64Array(capacity);
    this.order = new Uint8Array(capacity);
    this.migratetype = new Int8Array(capacity);
    this.gfp = new Int32Array(capacity);
  }
}

/** A trace the reader cannot go on with: the line it is on and what is wrong. */
export class TraceInputError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'TraceInputError';
  }
}

/** What the reader found in the trace. */
export interface KmemTraceSummary {
  readonly lines: number;
  readonly eventsParsed: number;
  readonly eventsByKind: Readonly<Record<KmemEventName, number>>;
  readonly skippedLines: Readonly<Record<SkipReason, number>>;
  /** The first line skipped for each reason seen. */
  readonly firstSkippedLine: Readonly<Partial<Record<SkipReason, number>>>;
  /** Events the `[LOST N EVENTS]` markers say were lost. */
  readonly lostEvents: number;
  /** entries-written minus entries-in-buffer of the header (null: no such header). */
  readonly overwritten: number | null;
  /** The CPU count of the header (#P:N) or of trace-cmd's cpus=N, or null. */
  readonly cpus: number | null;
  /** The first and last event timestamps, seconds as printed (null: no event). */
  readonly firstTimestamp: number | null;
  readonly lastTimestamp: number | null;
  /** Events printed with a timestamp earlier than the event before (applied at the time reached). */
  readonly outOfOrder: number;
  /** mm_page_alloc events of allocations that failed on the traced machine (page=(nil)). */
  readonly failedAllocs: number;
  /** mm_page_alloc events whose gfp_flags held a name pasr does not know. */
  readonly unknownGfpFlags: number;
  /** Operations put out: allocations and frees. */
  readonly allocs: number;
  readonly frees: number;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
/** Control characters other than tab, LF, CR and form feed: binary data. */
const BINARY = /[\x00-\x08\x0b\x0e-\x1f\x7f]/;

export class KmemTraceParser {
  readonly ops: KmemOps;
  private lineNo = 0;
  private carry = '';
  /** Discarding the rest of a line longer than MAX_LINE_CHARS. */
  private discarding = false;
  private started = false;
  private sawTraceLine = false;
  private readonly byKind = new Float64Array(KMEM_EVENTS.length);
  private readonly skipped = new Float64Array(SKIP_REASONS.length);
  private readonly firstSkipped = new Float64Array(SKIP_REASONS.length);
  private lost = 0;
  private entriesInBuffer = -1;
  private entriesWritten = -1;
  private cpuCount = -1;
  private firstSec = -1;
  private firstFracNs = 0;
  private lastTNs = -Infinity;
  private lastSec = 0;
  private lastFracNs = 0;
  private outOfOrder = 0;
  private failedAllocs = 0;
  private unknownGfp = 0;
  private nAllocs = 0;
  private nFrees = 0;
  private readonly gfpCache = new Map<string, number>();
  /** Scratch: where the last number read ended. */
  private at = 0;

  /**
   * @param sink called with the batch whenever it is full and at end(); it must consume every
   *   operation in it (the batch is emptied when it returns).
   */
  constructor(
    private readonly sink: (ops: KmemOps) => void,
    capacity = 4096,
  ) {
    this.ops = new KmemOps(capacity);
  }

  /** Read a chunk of text (any size, lines may span chunks). */
  push(text: string): void {
    if (text.length === 0) return;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      else if (text.startsWith('\xef\xbb\xbf')) text = text.slice(3);
    }
    let pos = 0;
    if (this.carry.length > 0 || this.discarding) {
      const nl = text.indexOf('\n');
      if (nl < 0) {
        this.carryOver(text);
        return;
      }
      if (this.discarding) {
        // The end of a line longer than MAX_LINE_CHARS.
        this.discarding = false;
        this.lineNo++;
        this.tooLong();
      } else {
        const line = this.carry + text.slice(0, nl);
        this.carry = '';
        this.line(line, 0, line.length);
      }
      pos = nl + 1;
    }
    for (;;) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0) break;
      this.line(text, pos, nl);
      pos = nl + 1;
    }
    if (pos < text.length) this.carryOver(pos === 0 ? text : text.slice(pos));
  }

  /** The input ended: a last line without a newline is counted as truncated; the batch goes out. */
  end(): void {
    if (this.carry.length > 0 || this.discarding) {
      this.lineNo++;
      this.skip(SK_TRUNCATED);
      this.carry = '';
      this.discarding = false;
    }
    this.flush();
    if (!this.sawTraceLine)
      throw new TraceInputError(
        this.lineNo,
        this.lineNo === 0 ? 'empty: no trace line' : 'no trace line (only headers and blank lines)',
      );
  }

  summary(): KmemTraceSummary {
    const eventsByKind = Object.fromEntries(KMEM_EVENTS.map((k, i) => [k, this.byKind[i]!])) as Record<
      KmemEventName,
      number
    >;
    const skippedLines = Object.fromEntries(SKIP_REASONS.map((k, i) => [k, this.skipped[i]!])) as Record<
      SkipReason,
      number
    >;
    const firstSkippedLine: Partial<Record<SkipReason, number>> = {};
    SKIP_REASONS.forEach((k, i) => {
      if (this.skipped[i]! > 0) firstSkippedLine[k] = this.firstSkipped[i]!;
    });
    const ts = (sec: number, fracNs: number): number => Number((sec + fracNs / 1e9).toFixed(9));
    return {
      lines: this.lineNo,
      eventsParsed: this.byKind.reduce((s, x) => s + x, 0),
      eventsByKind,
      skippedLines,
      firstSkippedLine,
      lostEvents: this.lost,
      overwritten: this.entriesWritten >= 0 ? Math.max(0, this.entriesWritten - this.entriesInBuffer) : null,
      cpus: this.cpuCount >= 0 ? this.cpuCount : null,
      firstTimestamp: this.firstSec >= 0 ? ts(this.firstSec, this.firstFracNs) : null,
      lastTimestamp: this.firstSec >= 0 ? ts(this.lastSec, this.lastFracNs) : null,
      outOfOrder: this.outOfOrder,
      failedAllocs: this.failedAllocs,
      unknownGfpFlags: this.unknownGfp,
      allocs: this.nAllocs,
      frees: this.nFrees,
    };
  }

  checkInvariants(): void {
    const fail = (m: string): never => {
      throw new Error(`kmem trace reader invariant violated: ${m}`);
    };
    if (this.ops.length > this.ops.capacity) fail(`batch of ${this.ops.length} over its ${this.ops.capacity}`);
    const s = this.summary();
    const skipped = Object.values(s.skippedLines).reduce((a, b) => a + b, 0);
    if (s.lines !== s.eventsParsed + skipped)
      fail(`${s.lines} lines, but ${s.eventsParsed} events and ${skipped} skipped lines`);
    if (this.carry.length > MAX_LINE_CHARS) fail(`a partial line of ${this.carry.length} characters is kept`);
  }

  // ---- lines ----------------------------------------------------------------------------------

  /** Keep the start of a line until its newline comes; past MAX_LINE_CHARS, drop the rest of it. */
  private carryOver(rest: string): void {
    if (this.discarding) return;
    if (this.carry.length + rest.length > MAX_LINE_CHARS) {
      if (!this.sawTraceLine) {
        this.lineNo++;
        const start = this.carry + rest.slice(0, MAX_LINE_CHARS);
        this.checkText(start, 0, start.length);
        this.tooLong();
      }
      this.carry = '';
      this.discarding = true;
      return;
    }
    this.carry += rest;
  }

  /** A line longer than MAX_LINE_CHARS (this.lineNo): an error before any trace line, else counted. */
  private tooLong(): void {
    if (!this.sawTraceLine)
      throw new TraceInputError(
        this.lineNo,
        `a line longer than ${MAX_LINE_CHARS} characters before any trace line: not a kernel trace`,
      );
    this.skip(SK_TOO_LONG);
  }

  /**
   * A line that does not read (s[a, b), this.lineNo): binary data if it holds a control byte.
   * Lines that read are not scanned: a control byte there would sit in a task name.
   */
  private checkText(s: string, a: number, b: number): void {
    BINARY.lastIndex = 0;
    const bad = BINARY.exec(b - a === s.length ? s : s.slice(a, b));
    if (bad === null) return;
    const code = s
      .charCodeAt(a + bad.index)
      .toString(16)
      .padStart(2, '0');
    throw new TraceInputError(
      this.lineNo,
      `binary data (byte 0x${code} at column ${bad.index + 1}): a kernel trace is text`,
    );
  }

  private skip(reason: number): void {
    if (this.skipped[reason]! === 0) this.firstSkipped[reason] = this.lineNo;
    this.skipped[reason]!++;
  }

  /** One line: s[a, b) without its newline. */
  private line(s: string, a: number, b: number): void {
    this.lineNo++;
    if (b - a > MAX_LINE_CHARS) {
      this.checkText(s, a, a + MAX_LINE_CHARS);
      this.tooLong();
      return;
    }
    if (b > a && s.charCodeAt(b - 1) === 13) b--;
    if (a === b) {
      this.skip(SK_BLANK);
      return;
    }
    const c0 = s.charCodeAt(a);
    if (c0 === 35 /* # */) {
      this.header(s, a, b);
      return;
    }
    if (c0 === 67 /* C */ && s.startsWith('CPU', a)) {
      if (this.cpuLine(s, a, b)) return;
    } else if (c0 === 99 /* c */ && s.startsWith('cpus=', a)) {
      const n = this.decimal(s, a + 5, b);
      if (n >= 0 && this.at === b) {
        this.cpuCount = n;
        this.skip(SK_HEADER);
        return;
      }
    } else if (c0 === 118 /* v */ && s.startsWith('version = ', a)) {
      this.skip(SK_HEADER);
      return;
    }
    this.traceLine(s, a, b);
  }

  private header(s: string, a: number, b: number): void {
    if (s.startsWith('#####', a)) {
      this.skip(SK_BUFFER_STARTED);
      return;
    }
    this.skip(SK_HEADER);
    if (s.startsWith('# tracer: ', a)) {
      const tracer = s.slice(a + 10, b).trim();
      if (tracer !== 'nop')
        throw new TraceInputError(
          this.lineNo,
          `a trace of the ${JSON.stringify(tracer.slice(0, 40))} tracer; pasr replays kmem events, captured with tracer nop and the kmem events enabled`,
        );
      return;
    }
    const k = s.indexOf('entries-in-buffer/entries-written:', a);
    if (k >= 0 && k < b) {
      let i = k + 34;
      while (i < b && s.charCodeAt(i) === 32) i++;
      const inBuffer = this.decimal(s, i, b);
      if (inBuffer >= 0 && s.charCodeAt(this.at) === 47 /* / */) {
        const written = this.decimal(s, this.at + 1, b);
        if (written >= 0) {
          this.entriesInBuffer = inBuffer;
          this.entriesWritten = written;
        }
      }
      const p = s.indexOf('#P:', a);
      if (p >= 0 && p < b) {
        const n = this.decimal(s, p + 3, b);
        if (n >= 0) this.cpuCount = n;
      }
    }
  }

  /** `CPU:N [LOST M EVENTS]` or trace-cmd's `CPU N is empty`; false if neither. */
  private cpuLine(s: string, a: number, b: number): boolean {
    const lost = s.indexOf('[LOST ', a);
    if (s.charCodeAt(a + 3) === 58 /* : */ && lost >= 0 && lost < b) {
      const n = this.decimal(s, lost + 6, b);
      if (n >= 0 && s.startsWith(' EVENTS]', this.at)) {
        this.lost += n;
        this.skip(SK_HEADER);
        return true;
      }
    }
    if (s.charCodeAt(a + 3) === 32 && s.startsWith(' is empty', b - 9)) {
      this.skip(SK_HEADER);
      return true;
    }
    return false;
  }

  private notTrace(s: string, a: number, b: number, what: string): void {
    this.checkText(s, a, b);
    if (!this.sawTraceLine) {
      const shown = s.slice(a, Math.min(b, a + 60));
      throw new TraceInputError(
        this.lineNo,
        `not a kernel trace line (${what}): ${JSON.stringify(shown)}${b - a > 60 ? '…' : ''}; expected TASK-PID [CPU] FLAGS SECONDS.USEC: EVENT: FIELDS`,
      );
    }
    this.skip(SK_NOT_TRACE);
  }

  private malformed(s: string, a: number, b: number): void {
    this.checkText(s, a, b);
    this.skip(SK_MALFORMED);
  }

  /** A decimal integer at s[i..b); -1 if none. Sets this.at. */
  private decimal(s: string, i: number, b: number): number {
    let n = 0;
    const start = i;
    while (i < b) {
      const c = s.charCodeAt(i);
      if (!isDigit(c)) break;
      n = n * 10 + (c - 48);
      i++;
    }
    this.at = i;
    return i === start || i - start > 15 ? -1 : n;
  }

  /** A pfn: 0x-hex or decimal, below 2^52; -1 if none. Sets this.at. */
  private pfnAt(s: string, i: number, b: number): number {
    if (s.charCodeAt(i) === 48 && s.charCodeAt(i + 1) === 120) {
      i += 2;
      const start = i;
      let n = 0;
      while (i < b) {
        const c = s.charCodeAt(i);
        const d = isDigit(c) ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
        if (d < 0) break;
        n = n * 16 + d;
        i++;
      }
      this.at = i;
      return i === start || i - start > 13 ? -1 : n;
    }
    return this.decimal(s, i, b);
  }

  /** The value of ` key=` (key given with its `=`) in s[from, b), as a small signed integer; NaN if absent. */
  private field(s: string, key: string, from: number, b: number): number {
    const k = s.indexOf(key, from);
    if (k < 0 || k >= b) return Number.NaN;
    let i = k + key.length;
    let neg = false;
    if (s.charCodeAt(i) === 45) {
      neg = true;
      i++;
    }
    const n = this.decimal(s, i, b);
    if (n < 0) return Number.NaN;
    return neg ? -n : n;
  }

  private traceLine(s: string, a: number, b: number): void {
    // The CPU column: ` [NNN] ` after the task, the first one (a task name rarely holds one).
    let i = s.indexOf(' [', a);
    let close = -1;
    while (i >= 0 && i < b) {
      let j = i + 2;
      while (j < b && isDigit(s.charCodeAt(j))) j++;
      if (j > i + 2 && s.charCodeAt(j) === 93 /* ] */ && s.charCodeAt(j + 1) === 32) {
        close = j;
        break;
      }
      i = s.indexOf(' [', i + 1);
    }
    if (close < 0) {
      this.notTrace(s, a, b, 'no [CPU] column');
      return;
    }
    i = close + 2;
    while (i < b && s.charCodeAt(i) === 32) i++;
    // The flags column (irqs-off, need-resched, hardirq/softirq, preempt depth, ...), if any.
    if (!isDigit(s.charCodeAt(i))) {
      while (i < b && s.charCodeAt(i) !== 32) i++;
      while (i < b && s.charCodeAt(i) === 32) i++;
    }
    const sec = this.decimal(s, i, b);
    if (sec < 0) {
      this.notTrace(s, a, b, 'no timestamp');
      return;
    }
    i = this.at;
    let fracNs = 0;
    if (s.charCodeAt(i) === 46 /* . */) {
      const f0 = i + 1;
      const frac = this.decimal(s, f0, b);
      const digits = this.at - f0;
      if (frac < 0 || digits > 9) {
        this.notTrace(s, a, b, 'bad timestamp');
        return;
      }
      fracNs = frac * 10 ** (9 - digits);
      i = this.at;
    } else if (s.charCodeAt(i) === 58 /* : */ && !this.sawTraceLine) {
      throw new TraceInputError(
        this.lineNo,
        `timestamp ${sec} has no fraction: the trace clock is a raw counter (trace_clock counter or x86-tsc); capture with trace_clock local, global, mono or boot`,
      );
    }
    if (s.charCodeAt(i) !== 58 || s.charCodeAt(i + 1) !== 32) {
      this.notTrace(s, a, b, 'no ": " after the timestamp');
      return;
    }
    i += 2;
    while (i < b && s.charCodeAt(i) === 32) i++;
    this.sawTraceLine = true;
    // The event name, up to ':'.
    const ev = this.eventAt(s, i, b);
    if (ev < 0) {
      this.skip(SK_OTHER_EVENT);
      return;
    }
    i = this.at + 1;
    const pfnKey = s.indexOf('pfn=', i);
    const pfn = pfnKey >= 0 && pfnKey < b ? this.pfnAt(s, pfnKey + 4, b) : -1;
    if (pfn < 0) {
      this.malformed(s, a, b);
      return;
    }
    const afterPfn = this.at;
    let order = 0;
    if (ev <= EV_FREE) {
      order = this.field(s, ' order=', afterPfn, b);
      if (!(order >= 0 && order <= 20)) {
        this.malformed(s, a, b);
        return;
      }
    }
    let mt = -1;
    let gfp = 0;
    if (ev === EV_ALLOC) {
      mt = this.field(s, ' migratetype=', this.at, b);
      const g = s.indexOf(' gfp_flags=', this.at);
      if (!(mt >= -1 && mt <= 7) || g < 0 || g >= b) {
        this.malformed(s, a, b);
        return;
      }
      let ge = g + 11;
      while (ge < b && s.charCodeAt(ge) !== 32) ge++;
      gfp = this.gfpOf(s.slice(g + 11, ge));
    }
    this.byKind[ev]!++;
    const tNs = this.time(sec, fracNs);
    if (ev === EV_ALLOC) {
      // page=(nil): the allocation failed on the traced machine.
      const p = s.indexOf('page=', i);
      if (p >= 0 && p < b && s.startsWith('(nil)', p + 5)) {
        this.failedAllocs++;
        return;
      }
      this.emit(OP_ALLOC, tNs, pfn, order, mt, gfp);
      this.nAllocs++;
    } else if (ev === EV_FREE) {
      this.emit(OP_FREE, tNs, pfn, order, -1, 0);
      this.nFrees++;
    }
  }

  /** The kmem event at s[i..): its index in KMEM_EVENTS (this.at at its ':'), or -1. */
  private eventAt(s: string, i: number, b: number): number {
    if (!s.startsWith('mm_page_', i)) return -1;
    let best = -1;
    for (let k = 0; k < KMEM_EVENTS.length; k++) {
      const name = KMEM_EVENTS[k]!;
      if (s.charCodeAt(i + name.length) === 58 && s.startsWith(name, i) && i + name.length < b) {
        best = k;
        this.at = i + name.length;
        break;
      }
    }
    return best;
  }

  private gfpOf(text: string): number {
    const cached = this.gfpCache.get(text);
    if (cached !== undefined) {
      if (cached < 0) {
        this.unknownGfp++;
        return ~cached;
      }
      return cached;
    }
    const g = parseGfpNames(text);
    if (g.unknown) this.unknownGfp++;
    if (this.gfpCache.size < GFP_CACHE_MAX) this.gfpCache.set(text, g.unknown ? ~g.gfp : g.gfp);
    return g.gfp;
  }

  /** Nanoseconds since the first event; counts events out of order. */
  private time(sec: number, fracNs: number): number {
    if (this.firstSec < 0) {
      this.firstSec = sec;
      this.firstFracNs = fracNs;
    }
    const t = (sec - this.firstSec) * 1e9 + (fracNs - this.firstFracNs);
    if (t < this.lastTNs) this.outOfOrder++;
    else {
      this.lastTNs = t;
      this.lastSec = sec;
      this.lastFracNs = fracNs;
    }
    return t;
  }

  private emit(op: number, tNs: number, pfn: number, order: number, mt: number, gfp: number): void {
    const o = this.ops;
    const n = o.length;
    o.op[n] = op;
    o.tNs[n] = tNs;
    o.pfn[n] = pfn;
    o.order[n] = order;
    o.migratetype[n] = mt;
    o.gfp[n] = gfp;
    o.length = n + 1;
    if (o.length === o.capacity) this.flush();
  }

  private flush(): void {
    if (this.ops.length === 0) return;
    this.sink(this.ops);
    this.ops.length = 0;
  }
}
