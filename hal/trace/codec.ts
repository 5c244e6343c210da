import bin, { MaxValue, Measurer, Schema, type IMeasurer, type ISerialInput, type ISerialOutput } from 'typed-binary';
import { crc32 } from './crc32.js';
import type {
  DramMrrEvent,
  DramMrwEvent,
  DramSelfRefreshEnterEvent,
  DramSelfRefreshExitEvent,
  FieldValues,
  GuestErrorEvent,
  MmioReadEvent,
  MmioWriteEvent,
  TraceEvent,
  TraceKind,
} from './events.js';
import { hex, hexBytes } from '../bits.js';

/**
 * The `.pasrtrace` file: a register-write trace in a compact, checked binary form.
 *
 * Layout (all integers little-endian; version 1):
 *
 * | offset | size       | field                                                            |
 * |--------|------------|------------------------------------------------------------------|
 * | 0      | 8          | magic `89 50 41 53 52 54 52 43` (`\x89PASRTRC`)                   |
 * | 8      | 2          | format version, u16 (= 1)                                        |
 * | 10     | 2          | flags, u16 (reserved, 0)                                         |
 * | 12     | 4          | string count, u32                                                |
 * | 16     | 4          | event count, u32                                                 |
 * | 20     | 4          | event section length in bytes, u32                               |
 * | 24     | 4          | board name (string index), u32                                   |
 * | 28     | 4          | creator (string index), u32                                      |
 * | 32     | ...        | string table: each string UTF-8, NUL-terminated                 |
 * | ...    | event len  | events: u8 kind code, then that kind's record (below)            |
 * | end-4  | 4          | CRC-32 (IEEE, as zlib) of every byte before it, u32               |
 *
 * Every record starts with `seq` u32 and `tNs` f64. Strings (block, register, die, field names,
 * messages) are u32 indices into the string table. Addresses and page counts are integers below
 * 2^53 stored as two u32 words, low word first (typed-binary has no 64-bit integers). Times and
 * fractions are IEEE-754 binary64 stored as two u32 words (typed-binary has no scalar f64; its f16
 * needs DataView.getFloat16, which Node 20 lacks): times may be fractional nanoseconds.
 *
 * | code | kind          | record after the kind byte                                                   |
 * |------|---------------|------------------------------------------------------------------------------|
 * | 0x01 | mmio.write    | seq, tNs, address u53, value u32, block, register, n u16, n × {name, value u32} |
 * | 0x02 | mmio.read     | seq, tNs, address u53, value u32, block, register                            |
 * | 0x03 | dram.mrw      | seq, tNs, die, mr u16, value u32, register                                   |
 * | 0x04 | dram.mrr      | seq, tNs, die, mr u16, value u32, register                                   |
 * | 0x05 | dram.sr.enter | seq, tNs, die, bankMask u32, segmentMask u32, refreshedFraction f64          |
 * | 0x06 | dram.sr.exit  | seq, tNs, die, durationNs f64, poisonedPages u53                             |
 * | 0x07 | guest.error   | seq, tNs, source, message                                                    |
 *
 * Invariants of a well-formed file (decodeTrace checks each, and names the byte and the event
 * when one fails):
 *  (a) the magic matches and the version is one this code reads;
 *  (b) every string index is below the string count; every string is valid UTF-8;
 *  (c) exactly `event count` records fill exactly `event section length` bytes;
 *  (d) the CRC-32 trailer follows the event section and ends the file;
 *  (e) times are finite and >= 0, fractions in [0, 1], 53-bit integers are safe integers.
 *
 * typed-binary caveats handled here (reference/style.md §6): endianness is always passed
 * explicitly; values are range-checked before encoding (its writers wrap silently); reads are
 * bounds-checked before decoding (its readers see the whole underlying ArrayBuffer, not the view,
 * and its NUL-terminated string reader stops silently at the end of the buffer).
 */

export const TRACE_FORMAT_VERSION = 1;
export const TRACE_FILE_EXTENSION = '.pasrtrace';
/** `\x89PASRTRC`: a high-bit first byte catches 7-bit transfers, then readable ASCII. */
export const TRACE_MAGIC: readonly number[] = [0x89, 0x50, 0x41, 0x53, 0x52, 0x54, 0x52, 0x43];

/** What a trace file holds. */
export interface TraceFile {
  /** Board name (as in `pasr boards`). */
  readonly board: string;
  /** Tool that wrote the file; defaults to `pasr-emu`. */
  readonly creator?: string;
  readonly events: readonly TraceEvent[];
}

export interface DecodedTrace {
  readonly board: string;
  readonly creator: string;
  readonly events: TraceEvent[];
}

/** A trace file that is not well formed: truncated, corrupted, or of another format/version. */
export class TraceFormatError extends Error {
  constructor(
    readonly fileName: string,
    readonly detail: string,
    /** Byte offset the problem was found at, when there is one. */
    readonly offset?: number,
  ) {
    super(`${fileName}: ${detail}`);
    this.name = 'TraceFormatError';
  }
}

/** An event that cannot be written (a value out of range for its field, an unknown kind). */
export class TraceEncodeError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'TraceEncodeError';
  }
}

// ---------------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------------

const TWO_32 = 2 ** 32;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;

/** A non-negative safe integer (< 2^53) as two u32 words, low word first. */
class Uint53Schema extends Schema<number> {
  readonly maxSize = 8;
  write(output: ISerialOutput, value: number): void {
    output.writeUint32(value % TWO_32);
    output.writeUint32(Math.floor(value / TWO_32));
  }
  read(input: ISerialInput): number {
    const lo = input.readUint32();
    const hi = input.readUint32();
    return hi * TWO_32 + lo;
  }
  measure(_value: number | typeof MaxValue, measurer: IMeasurer = new Measurer()): IMeasurer {
    return measurer.add(8);
  }
}

const f64Scratch = new DataView(new ArrayBuffer(8));

/** IEEE-754 binary64 as two u32 words in the writer's byte order (low word first). */
class Float64Schema extends Schema<number> {
  readonly maxSize = 8;
  write(output: ISerialOutput, value: number): void {
    f64Scratch.setFloat64(0, value, true);
    output.writeUint32(f64Scratch.getUint32(0, true));
    output.writeUint32(f64Scratch.getUint32(4, true));
  }
  read(input: ISerialInput): number {
    f64Scratch.setUint32(0, input.readUint32(), true);
    f64Scratch.setUint32(4, input.readUint32(), true);
    return f64Scratch.getFloat64(0, true);
  }
  measure(_value: number | typeof MaxValue, measurer: IMeasurer = new Measurer()): IMeasurer {
    return measurer.add(8);
  }
}

const u53 = new Uint53Schema();
const f64 = new Float64Schema();
/** A string, as an index into the string table. */
const str = bin.u32;

const Preamble = bin.object({ magic: bin.u8Array(8), version: bin.u16 });
const HeaderV1 = bin.object({
  flags: bin.u16,
  stringCount: bin.u32,
  eventCount: bin.u32,
  eventBytes: bin.u32,
  board: str,
  creator: str,
});

const MmioWriteRecord = bin.object({
  seq: bin.u32,
  tNs: f64,
  address: u53,
  value: bin.u32,
  block: str,
  register: str,
  fieldCount: bin.u16,
});
const FieldEntry = bin.object({ name: str, value: bin.u32 });
const MmioReadRecord = bin.object({ seq: bin.u32, tNs: f64, address: u53, value: bin.u32, block: str, register: str });
const DramMrRecord = bin.object({ seq: bin.u32, tNs: f64, die: str, mr: bin.u16, value: bin.u32, register: str });
const SrEnterRecord = bin.object({
  seq: bin.u32,
  tNs: f64,
  die: str,
  bankMask: bin.u32,
  segmentMask: bin.u32,
  refreshedFraction: f64,
});
const SrExitRecord = bin.object({ seq: bin.u32, tNs: f64, die: str, durationNs: f64, poisonedPages: u53 });
const GuestErrorRecord = bin.object({ seq: bin.u32, tNs: f64, source: str, message: str });

type AnyRecordSchema =
  | typeof MmioWriteRecord
  | typeof MmioReadRecord
  | typeof DramMrRecord
  | typeof SrEnterRecord
  | typeof SrExitRecord
  | typeof GuestErrorRecord
  | typeof FieldEntry
  | typeof HeaderV1;

/** Byte offset and size of each field of a fixed-size object schema (to name the field a file ends in). */
interface Layout {
  readonly size: number;
  readonly slots: readonly { readonly name: string; readonly offset: number; readonly size: number }[];
}

function layoutOf(schema: AnyRecordSchema): Layout {
  const slots: { name: string; offset: number; size: number }[] = [];
  let offset = 0;
  for (const [name, prop] of Object.entries(schema.properties)) {
    const size = prop.measure(MaxValue).size;
    slots.push({ name, offset, size });
    offset += size;
  }
  return { size: offset, slots };
}

/** Kind codes on disk. 0x00 is never used, so a run of zero bytes is not a valid event. */
export const TRACE_KIND_CODES: Readonly<Record<TraceKind, number>> = {
  'mmio.write': 0x01,
  'mmio.read': 0x02,
  'dram.mrw': 0x03,
  'dram.mrr': 0x04,
  'dram.sr.enter': 0x05,
  'dram.sr.exit': 0x06,
  'guest.error': 0x07,
};

const KIND_BY_CODE = new Map<number, TraceKind>(Object.entries(TRACE_KIND_CODES).map(([k, c]) => [c, k as TraceKind]));

const RECORD_OF: Readonly<Record<TraceKind, AnyRecordSchema>> = {
  'mmio.write': MmioWriteRecord,
  'mmio.read': MmioReadRecord,
  'dram.mrw': DramMrRecord,
  'dram.mrr': DramMrRecord,
  'dram.sr.enter': SrEnterRecord,
  'dram.sr.exit': SrExitRecord,
  'guest.error': GuestErrorRecord,
};

const LAYOUTS = new Map<AnyRecordSchema, Layout>();
for (const s of [...Object.values(RECORD_OF), FieldEntry, HeaderV1]) if (!LAYOUTS.has(s)) LAYOUTS.set(s, layoutOf(s));
const layout = (s: AnyRecordSchema): Layout => LAYOUTS.get(s)!;

const PREAMBLE_BYTES = 10;
const HEADER_BYTES = PREAMBLE_BYTES + layout(HeaderV1).size; // 32
const CRC_BYTES = 4;

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

const utf8 = new TextEncoder();
/** A lone UTF-16 surrogate would not survive UTF-8 (TextEncoder replaces it with U+FFFD). */
const LONE_SURROGATE = /\p{Cs}/u;

class StringTable {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  byteLength = 0;

  intern(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.index.set(s, i);
      this.byteLength += utf8.encode(s).length + 1;
    }
    return i;
  }
}

/**
 * Range checks, one event at a time (one instance reused for all events); every failure names
 * the event (seq, index, kind) and the field. Checking interns the event's strings.
 */
class EventChecker {
  index = 0;
  event: Record<string, unknown> = {};

  constructor(private readonly strings: StringTable) {}

  fail(field: string, problem: string): never {
    const seq = this.event['seq'];
    const who =
      typeof seq === 'number' && Number.isInteger(seq)
        ? `seq ${seq} (index ${this.index}`
        : `at index ${this.index} (seq ${String(seq)}`;
    const kind = typeof this.event['kind'] === 'string' ? `, ${this.event['kind']}` : '';
    throw new TraceEncodeError(`cannot encode trace event ${who}${kind}), field ${field}: ${problem}`);
  }

  private num(field: string, v: unknown): number {
    if (typeof v !== 'number') this.fail(field, `${describe(v)} is not a number`);
    return v;
  }

  u32(field: string, v: unknown = this.event[field]): void {
    const n = this.num(field, v);
    if (!Number.isInteger(n) || n < 0 || n > U32_MAX)
      this.fail(field, `${n} does not fit in 32 bits (expected an integer 0..0xffffffff)`);
  }

  u16(field: string): void {
    const n = this.num(field, this.event[field]);
    if (!Number.isInteger(n) || n < 0 || n > U16_MAX)
      this.fail(field, `${n} does not fit in 16 bits (expected an integer 0..65535)`);
  }

  u53(field: string): void {
    const n = this.num(field, this.event[field]);
    if (!Number.isSafeInteger(n) || n < 0) this.fail(field, `${n} is not an integer 0..2^53-1`);
  }

  time(field: string): void {
    const n = this.num(field, this.event[field]);
    if (!Number.isFinite(n) || n < 0) this.fail(field, `${n} is not a finite time >= 0 ns`);
  }

  fraction(field: string): void {
    const n = this.num(field, this.event[field]);
    if (!(n >= 0 && n <= 1)) this.fail(field, `${n} is not a fraction in [0, 1]`);
  }

  str(field: string, v: unknown = this.event[field]): void {
    this.strings.intern(checkString(v, (p) => this.fail(field, p)));
  }

  /** Checks a FieldValues object; returns its number of fields. */
  fieldValues(field: string): number {
    const v = this.event[field];
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      this.fail(field, `${describe(v)} is not an object of field values`);
    let n = 0;
    for (const name in v) {
      if (!Object.hasOwn(v, name)) continue;
      this.str(`${field}.${name}`, name);
      this.u32(`${field}.${name}`, (v as FieldValues)[name]);
      n++;
    }
    if (n > U16_MAX) this.fail(field, `${n} fields, at most ${U16_MAX} fit`);
    return n;
  }
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'undefined (missing)';
  if (typeof v === 'object') return v === null ? 'null' : Array.isArray(v) ? 'an array' : 'an object';
  return String(v);
}

function checkString(v: unknown, fail: (problem: string) => never): string {
  if (typeof v !== 'string') fail(`${describe(v)} is not a string`);
  if (v.includes('\0')) fail(`${JSON.stringify(v)} contains a NUL character`);
  if (LONE_SURROGATE.test(v)) fail(`${JSON.stringify(v)} contains a lone UTF-16 surrogate (not encodable as UTF-8)`);
  return v;
}

const FIELD_ENTRY_BYTES = layout(FieldEntry).size;

/** Check one event (and intern its strings); returns its encoded size in bytes. */
function checkEvent(c: EventChecker, event: TraceEvent, index: number): number {
  if (typeof event !== 'object' || event === null) {
    throw new TraceEncodeError(
      `cannot encode trace event at index ${index}: ${describe(event)} is not an event object`,
    );
  }
  c.index = index;
  c.event = event as unknown as Record<string, unknown>;
  const kind = (event as { kind: unknown }).kind;
  if (typeof kind !== 'string' || !Object.hasOwn(TRACE_KIND_CODES, kind)) {
    c.fail('kind', `unknown event kind ${describe(kind)} (known: ${Object.keys(TRACE_KIND_CODES).join(', ')})`);
  }
  const k = kind as TraceKind;
  c.u32('seq');
  c.time('tNs');
  switch (k) {
    case 'mmio.write':
      c.u53('address');
      c.u32('value');
      c.str('block');
      c.str('register');
      return 1 + layout(MmioWriteRecord).size + c.fieldValues('fields') * FIELD_ENTRY_BYTES;
    case 'mmio.read':
      c.u53('address');
      c.u32('value');
      c.str('block');
      c.str('register');
      break;
    case 'dram.mrw':
    case 'dram.mrr':
      c.str('die');
      c.u16('mr');
      c.u32('value');
      c.str('register');
      break;
    case 'dram.sr.enter':
      c.str('die');
      c.u32('bankMask');
      c.u32('segmentMask');
      c.fraction('refreshedFraction');
      break;
    case 'dram.sr.exit':
      c.str('die');
      c.time('durationNs');
      c.u53('poisonedPages');
      break;
    case 'guest.error':
      c.str('source');
      c.str('message');
      break;
  }
  return 1 + layout(RECORD_OF[k]).size;
}

/**
 * Writes checked events. One scratch object per record schema is filled and handed to
 * typed-binary, so writing allocates nothing per event.
 */
class RecordWriter {
  private readonly mmioWrite: bin.Parsed<typeof MmioWriteRecord> = {
    seq: 0,
    tNs: 0,
    address: 0,
    value: 0,
    block: 0,
    register: 0,
    fieldCount: 0,
  };
  private readonly field: bin.Parsed<typeof FieldEntry> = { name: 0, value: 0 };
  private readonly mmioRead: bin.Parsed<typeof MmioReadRecord> = {
    seq: 0,
    tNs: 0,
    address: 0,
    value: 0,
    block: 0,
    register: 0,
  };
  private readonly dramMr: bin.Parsed<typeof DramMrRecord> = { seq: 0, tNs: 0, die: 0, mr: 0, value: 0, register: 0 };
  private readonly srEnter: bin.Parsed<typeof SrEnterRecord> = {
    seq: 0,
    tNs: 0,
    die: 0,
    bankMask: 0,
    segmentMask: 0,
    refreshedFraction: 0,
  };
  private readonly srExit: bin.Parsed<typeof SrExitRecord> = {
    seq: 0,
    tNs: 0,
    die: 0,
    durationNs: 0,
    poisonedPages: 0,
  };
  private readonly guestError: bin.Parsed<typeof GuestErrorRecord> = { seq: 0, tNs: 0, source: 0, message: 0 };

  constructor(
    private readonly w: bin.BufferWriter,
    private readonly strings: StringTable,
  ) {}

  write(e: TraceEvent): void {
    const w = this.w;
    const s = (x: string): number => this.strings.intern(x);
    bin.u8.write(w, TRACE_KIND_CODES[e.kind]);
    switch (e.kind) {
      case 'mmio.write': {
        const r = this.mmioWrite;
        r.seq = e.seq;
        r.tNs = e.tNs;
        r.address = e.address;
        r.value = e.value;
        r.block = s(e.block);
        r.register = s(e.register);
        let n = 0;
        for (const name in e.fields) if (Object.hasOwn(e.fields, name)) n++;
        r.fieldCount = n;
        MmioWriteRecord.write(w, r);
        const f = this.field;
        for (const name in e.fields) {
          if (!Object.hasOwn(e.fields, name)) continue;
          f.name = s(name);
          f.value = e.fields[name]!;
          FieldEntry.write(w, f);
        }
        return;
      }
      case 'mmio.read': {
        const r = this.mmioRead;
        r.seq = e.seq;
        r.tNs = e.tNs;
        r.address = e.address;
        r.value = e.value;
        r.block = s(e.block);
        r.register = s(e.register);
        MmioReadRecord.write(w, r);
        return;
      }
      case 'dram.mrw':
      case 'dram.mrr': {
        const r = this.dramMr;
        r.seq = e.seq;
        r.tNs = e.tNs;
        r.die = s(e.die);
        r.mr = e.mr;
        r.value = e.value;
        r.register = s(e.register);
        DramMrRecord.write(w, r);
        return;
      }
      case 'dram.sr.enter': {
        const r = this.srEnter;
        r.seq = e.seq;
        r.tNs = e.tNs;
        r.die = s(e.die);
        r.bankMask = e.bankMask;
        r.segmentMask = e.segmentMask;
        r.refreshedFraction = e.refreshedFraction;
        SrEnterRecord.write(w, r);
        return;
      }
      case 'dram.sr.exit': {
        const r = this.srExit;
        r.seq = e.seq;
        r.tNs = e.tNs;
        r.die = s(e.die);
        r.durationNs = e.durationNs;
        r.poisonedPages = e.poisonedPages;
        SrExitRecord.write(w, r);
        return;
      }
      case 'guest.error': {
        const r = this.guestError;
        r.seq = e.seq;
        r.tNs = e.tNs;
        r.source = s(e.source);
        r.message = s(e.message);
        GuestErrorRecord.write(w, r);
        return;
      }
    }
  }
}

/**
 * Encode a trace as a `.pasrtrace` file image. Every value is range-checked first (pass 1, which
 * also interns strings and measures); a value that does not fit its field throws TraceEncodeError
 * naming the event's seq, index, kind and field, and nothing is written. Pass 2 writes.
 */
export function encodeTrace(trace: TraceFile): Uint8Array {
  const strings = new StringTable();
  const board = strings.intern(checkString(trace.board, (p) => fileFail(`board name ${p}`)));
  const creator = strings.intern(checkString(trace.creator ?? 'pasr-emu', (p) => fileFail(`creator ${p}`)));
  const events = trace.events;
  if (!Array.isArray(events)) fileFail(`events is ${describe(events)}, not an array`);
  if (events.length > U32_MAX) fileFail(`${events.length} events, at most ${U32_MAX} fit`);

  const checker = new EventChecker(strings);
  let eventBytes = 0;
  for (let i = 0; i < events.length; i++) eventBytes += checkEvent(checker, events[i]!, i);
  if (eventBytes > U32_MAX) fileFail(`the events take ${eventBytes} bytes, more than the 4 GiB a version-1 file holds`);
  if (strings.list.length > U32_MAX) fileFail(`${strings.list.length} distinct strings, at most ${U32_MAX} fit`);

  const total = HEADER_BYTES + strings.byteLength + eventBytes + CRC_BYTES;
  const out = new Uint8Array(total);
  const w = new bin.BufferWriter(out.buffer, { endianness: 'little' });
  Preamble.write(w, { magic: Uint8Array.from(TRACE_MAGIC), version: TRACE_FORMAT_VERSION });
  HeaderV1.write(w, {
    flags: 0,
    stringCount: strings.list.length,
    eventCount: events.length,
    eventBytes,
    board,
    creator,
  });
  for (const s of strings.list) bin.string.write(w, s);
  const records = new RecordWriter(w, strings);
  for (const e of events) records.write(e);
  if (w.currentByteOffset !== total - CRC_BYTES) {
    throw new Error(`trace encoder wrote ${w.currentByteOffset} bytes, measured ${total - CRC_BYTES} (bug)`);
  }
  bin.u32.write(w, crc32(out, 0, total - CRC_BYTES));
  return out;
}

function fileFail(problem: string): never {
  throw new TraceEncodeError(`cannot encode trace: ${problem}`);
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

class Decoder {
  /** A private copy: typed-binary's reader sees the whole ArrayBuffer, so the view must be all of it. */
  private readonly buf: Uint8Array;
  private readonly r: bin.BufferReader;
  private readonly end: number;
  private strings: string[] = [];
  // Where the decoder is, for messages (built only when something fails).
  private eventNo = 0;
  private eventCount = 0;
  private eventAt = 0;
  private eventBytes = 0;
  private sectionEnd = 0;
  private rec: Record<string, number> = {};
  private schema: AnyRecordSchema = HeaderV1;

  constructor(
    bytes: Uint8Array,
    private readonly file: string,
  ) {
    this.buf = new Uint8Array(bytes.length);
    this.buf.set(bytes);
    this.end = this.buf.length;
    this.r = new bin.BufferReader(this.buf.buffer, { endianness: 'little' });
  }

  get pos(): number {
    return this.r.currentByteOffset;
  }

  fail(detail: string, offset = this.pos): never {
    throw new TraceFormatError(this.file, detail, offset);
  }

  truncated(where: string): never {
    this.fail(`truncated at byte ${this.end} (${where})`, this.end);
  }

  private where(): string {
    return this.eventNo === 0 ? 'header' : `event ${this.eventNo} of ${this.eventCount}`;
  }

  /**
   * Read a fixed-size object schema that must end by `limit`. When it would not, name the first
   * field that crosses: a truncation when `limit` is the end of the file, else (inside the event
   * section) an event count mismatch.
   */
  private readFixed<S extends AnyRecordSchema>(schema: S, limit: number, fieldIndex = -1): bin.Parsed<S> {
    const lay = layout(schema);
    const start = this.pos;
    if (start + lay.size > limit) {
      const slot = lay.slots.find((s) => start + s.offset + s.size > limit) ?? lay.slots[lay.slots.length - 1]!;
      this.ranOut(limit, (fieldIndex >= 0 ? `fields[${fieldIndex}].` : '') + slot.name);
    }
    return schema.read(this.r) as bin.Parsed<S>;
  }

  private ranOut(limit: number, field: string): never {
    if (limit >= this.end || this.eventNo === 0) this.truncated(`${this.where()}, field ${field}`);
    this.fail(
      `event count mismatch: the header says ${this.eventCount} events in ${this.eventBytes} bytes (ending at byte ${this.sectionEnd}), ` +
        `but ${this.where()} (starting at byte ${this.eventAt}, field ${field}) runs past that end`,
      this.eventAt,
    );
  }

  run(): DecodedTrace {
    // (a) magic and version.
    const magic = TRACE_MAGIC;
    const have = Math.min(this.end, magic.length);
    for (let i = 0; i < have; i++) {
      if (this.buf[i] !== magic[i]) {
        const found = hexBytes(this.buf.subarray(0, Math.min(this.end, 8)));
        this.fail(`bad magic: not a pasr trace file (expected ${hexBytes(magic)}, found ${found})`, 0);
      }
    }
    if (this.end === 0) this.fail('truncated at byte 0 (magic): the file is empty', 0);
    if (this.end < magic.length) this.truncated('magic');
    if (this.end < PREAMBLE_BYTES) this.truncated('header, field version');
    const { version } = Preamble.read(this.r);
    if (version !== TRACE_FORMAT_VERSION) {
      this.fail(`unsupported version ${version} (this pasr reads version ${TRACE_FORMAT_VERSION})`, 8);
    }
    const h = this.readFixed(HeaderV1, this.end);
    if (h.flags !== 0)
      this.fail(`unsupported header flags 0x${h.flags.toString(16).padStart(4, '0')} (version 1 defines none)`, 10);

    // (b) string table.
    const strings: string[] = [];
    for (let i = 0; i < h.stringCount; i++) {
      const start = this.pos;
      if (this.buf.indexOf(0, start) < 0) this.truncated(`string table, string ${i + 1} of ${h.stringCount}`);
      try {
        strings.push(bin.string.read(this.r));
      } catch {
        this.fail(`string ${i + 1} of ${h.stringCount} at byte ${start} is not valid UTF-8`, start);
      }
    }
    this.strings = strings;
    if (h.board >= strings.length)
      this.fail(
        `string index ${h.board} out of range (${strings.length} strings) in header, field board at byte 24`,
        24,
      );
    if (h.creator >= strings.length)
      this.fail(
        `string index ${h.creator} out of range (${strings.length} strings) in header, field creator at byte 28`,
        28,
      );

    // (c) events.
    const n = h.eventCount;
    this.eventCount = n;
    this.eventBytes = h.eventBytes;
    this.sectionEnd = this.pos + h.eventBytes;
    const limit = Math.min(this.sectionEnd, this.end);
    const events: TraceEvent[] = [];
    for (let k = 1; k <= n; k++) {
      const at = this.pos;
      this.eventNo = k;
      this.eventAt = at;
      if (at + 1 > limit) this.ranOut(limit, 'kind');
      const code = bin.u8.read(this.r);
      const kind = KIND_BY_CODE.get(code);
      if (kind === undefined) this.fail(`unknown event kind ${hex(code, 2)} at byte ${at} (${this.where()})`, at);
      events.push(this.readEvent(kind, limit));
    }
    if (this.pos < this.sectionEnd) {
      if (this.pos >= this.end)
        this.truncated(`after event ${n} of ${n}; the header says the event section ends at byte ${this.sectionEnd}`);
      this.fail(
        `event count mismatch: the header says ${n} events in ${h.eventBytes} bytes (ending at byte ${this.sectionEnd}), ` +
          `but the ${n} events end at byte ${this.pos}, ${this.sectionEnd - this.pos} bytes early`,
        this.pos,
      );
    }

    // (d) CRC-32 trailer, then nothing.
    const crcAt = this.sectionEnd;
    if (this.end < crcAt + CRC_BYTES) this.truncated('CRC-32 trailer');
    const stored = bin.u32.read(this.r);
    const computed = crc32(this.buf, 0, crcAt);
    if (stored !== computed) {
      this.fail(
        `CRC mismatch (file corrupted): stored CRC-32 ${hex(stored, 8)}, computed ${hex(computed, 8)} over bytes 0..${crcAt - 1}`,
        crcAt,
      );
    }
    if (this.end > this.pos) {
      this.fail(
        `${this.end - this.pos} trailing bytes after the CRC-32 trailer (the file should end at byte ${this.pos})`,
        this.pos,
      );
    }
    return { board: strings[h.board]!, creator: strings[h.creator]!, events };
  }

  // Checks on decoded values (invariants b and e): a hand-crafted file with a valid CRC cannot
  // smuggle in an out-of-range string index, a NaN time or an unsafe integer.

  private bad(field: string, problem: string): never {
    const lay = layout(this.schema);
    const slot = lay.slots.find((s) => s.name === field);
    this.fail(
      `${this.where()} (seq ${this.rec['seq']}) at byte ${this.eventAt}: field ${field} ${problem}`,
      this.eventAt + 1 + (slot?.offset ?? 0),
    );
  }

  private str(field: string): string {
    const i = this.rec[field]!;
    if (i >= this.strings.length) {
      const slot = layout(this.schema).slots.find((s) => s.name === field)!;
      this.fail(
        `string index ${i} out of range (${this.strings.length} strings) in ${this.where()} (seq ${this.rec['seq']}) at byte ${this.eventAt}, field ${field}`,
        this.eventAt + 1 + slot.offset,
      );
    }
    return this.strings[i]!;
  }

  private time(field: string): number {
    const t = this.rec[field]!;
    if (!Number.isFinite(t) || t < 0) this.bad(field, `is ${t}, not a finite time >= 0`);
    return t;
  }

  private safe(field: string): number {
    const x = this.rec[field]!;
    if (!Number.isSafeInteger(x)) this.bad(field, `is ${x}, above 2^53-1`);
    return x;
  }

  private readEvent(kind: TraceKind, limit: number): TraceEvent {
    const schema = RECORD_OF[kind];
    this.schema = schema;
    const rec = this.readFixed(schema, limit) as unknown as Record<string, number>;
    this.rec = rec;
    const seq = rec['seq']!;
    const tNs = this.time('tNs');
    switch (kind) {
      case 'mmio.write': {
        const address = this.safe('address');
        const value = rec['value']!;
        const block = this.str('block');
        const register = this.str('register');
        const fields: Record<string, number> = {};
        const count = rec['fieldCount']!;
        for (let i = 0; i < count; i++) {
          const f = this.readFixed(FieldEntry, limit, i);
          if (f.name >= this.strings.length) {
            this.fail(
              `string index ${f.name} out of range (${this.strings.length} strings) in ${this.where()} (seq ${seq}) at byte ${this.eventAt}, field fields[${i}].name`,
              this.pos - FIELD_ENTRY_BYTES,
            );
          }
          const name = this.strings[f.name]!;
          // defineProperty: a field literally named `__proto__` must stay a field.
          if (name === '__proto__')
            Object.defineProperty(fields, name, {
              value: f.value,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          else fields[name] = f.value;
        }
        const e: MmioWriteEvent = { seq, tNs, kind, address, value, block, register, fields };
        return e;
      }
      case 'mmio.read': {
        const e: MmioReadEvent = {
          seq,
          tNs,
          kind,
          address: this.safe('address'),
          value: rec['value']!,
          block: this.str('block'),
          register: this.str('register'),
        };
        return e;
      }
      case 'dram.mrw': {
        const e: DramMrwEvent = {
          seq,
          tNs,
          kind,
          die: this.str('die'),
          mr: rec['mr']!,
          value: rec['value']!,
          register: this.str('register'),
        };
        return e;
      }
      case 'dram.mrr': {
        const e: DramMrrEvent = {
          seq,
          tNs,
          kind,
          die: this.str('die'),
          mr: rec['mr']!,
          value: rec['value']!,
          register: this.str('register'),
        };
        return e;
      }
      case 'dram.sr.enter': {
        const fr = rec['refreshedFraction']!;
        if (!(fr >= 0 && fr <= 1)) this.bad('refreshedFraction', `is ${fr}, not a fraction in [0, 1]`);
        const e: DramSelfRefreshEnterEvent = {
          seq,
          tNs,
          kind,
          die: this.str('die'),
          bankMask: rec['bankMask']!,
          segmentMask: rec['segmentMask']!,
          refreshedFraction: fr,
        };
        return e;
      }
      case 'dram.sr.exit': {
        const e: DramSelfRefreshExitEvent = {
          seq,
          tNs,
          kind,
          die: this.str('die'),
          durationNs: this.time('durationNs'),
          poisonedPages: this.safe('poisonedPages'),
        };
        return e;
      }
      case 'guest.error': {
        const e: GuestErrorEvent = { seq, tNs, kind, source: this.str('source'), message: this.str('message') };
        return e;
      }
    }
  }
}

/**
 * Decode a `.pasrtrace` file image. `fileName` prefixes every error message. Throws
 * TraceFormatError (never a bare RangeError) for a file that is truncated anywhere, corrupted,
 * of another format, or of an unsupported version; the message names the byte offset and, inside
 * the event section, the event (`event 17 of 40`) and field.
 */
export function decodeTrace(bytes: Uint8Array, fileName = 'trace'): DecodedTrace {
  if (!(bytes instanceof Uint8Array))
    throw new TraceFormatError(fileName, `expected the file's bytes, got ${describe(bytes)}`);
  const d = new Decoder(bytes, fileName);
  try {
    return d.run();
  } catch (e) {
    if (e instanceof TraceFormatError) throw e;
    // Safety net: the checks above should leave nothing for typed-binary or DataView to throw.
    throw new TraceFormatError(fileName, `cannot decode at byte ${d.pos}: ${(e as Error).message}`, d.pos);
  }
}
