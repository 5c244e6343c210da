import bin, { MaxValue, Measurer, Schema, type IMeasurer, type ISerialInput, type ISerialOutput } from 'typed-binary';
import { crc32 } from './crc32.js';
import type { FieldValues, TraceEvent, TraceKind } from './events.js';
import { type FieldType, TRACE_KIND_TABLE, TRACE_KINDS } from './kinds.js';
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
 * | ...    | event len  | events: u8 kind code, then that kind's record                    |
 * | end-4  | 4          | CRC-32 (IEEE, as zlib) of every byte before it, u32               |
 *
 * Each kind's code and record (`seq` u32, `tNs` f64, then its fields in order, with the wire
 * types of FieldType) are declared once, in kinds.ts; the README lists them. Kinds are only ever
 * added, with new codes: a version-1 file written before a kind existed decodes unchanged, and a
 * reader refuses a code it does not know. Times and fractions are IEEE-754 binary64 stored as two
 * u32 words (typed-binary has no scalar f64; its f16 needs DataView.getFloat16, which Node 20
 * lacks): times may be fractional nanoseconds.
 *
 * Invariants of a well-formed file (decodeTrace checks each, and names the byte and the event
 * when one fails):
 *  (a) the magic matches and the version is one this code reads;
 *  (b) every string index is below the string count; every string is valid UTF-8;
 *  (c) exactly `event count` records of known kinds fill exactly `event section length` bytes;
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
const Preamble = bin.object({ magic: bin.u8Array(8), version: bin.u16 });
const HeaderV1 = bin.object({
  flags: bin.u16,
  stringCount: bin.u32,
  eventCount: bin.u32,
  eventBytes: bin.u32,
  board: bin.u32,
  creator: bin.u32,
});

/** Byte offset and size of each field of the header (to name the field a file ends in). */
interface Layout {
  readonly size: number;
  readonly slots: readonly { readonly name: string; readonly offset: number; readonly size: number }[];
}

function layoutOf(schema: typeof HeaderV1): Layout {
  const slots: { name: string; offset: number; size: number }[] = [];
  let offset = 0;
  for (const [name, prop] of Object.entries(schema.properties)) {
    const size = prop.measure(MaxValue).size;
    slots.push({ name, offset, size });
    offset += size;
  }
  return { size: offset, slots };
}

const HEADER_LAYOUT = layoutOf(HeaderV1);
const PREAMBLE_BYTES = 10;
const HEADER_BYTES = PREAMBLE_BYTES + HEADER_LAYOUT.size; // 32
const CRC_BYTES = 4;

// ---------------------------------------------------------------------------------------------
// Records, compiled from the kind table
// ---------------------------------------------------------------------------------------------

// Wire types as small integers, for the switches of the record loops.
const U16 = 0;
const U32 = 1;
const U53 = 2;
const TIME = 3;
const FRACTION = 4;
const STRING = 5;
const STRING_LIST = 6;
const FIELD_VALUES = 7;

/** Each wire type's number and the bytes it takes in its record (for a list: its u16 count). */
const WIRE: Readonly<Record<FieldType, { readonly id: number; readonly size: number }>> = {
  u16: { id: U16, size: 2 },
  u32: { id: U32, size: 4 },
  u53: { id: U53, size: 8 },
  time: { id: TIME, size: 8 },
  fraction: { id: FRACTION, size: 8 },
  string: { id: STRING, size: 4 },
  'string-list': { id: STRING_LIST, size: 2 },
  'field-values': { id: FIELD_VALUES, size: 2 },
};
/** Bytes of one list item: a string index, or a {name, value} pair. */
const STRING_ITEM_BYTES = 4;
const FIELD_ITEM_BYTES = 8;

/** One field of a record. */
interface Slot {
  /** Property of the event. */
  readonly key: string;
  /** The field as messages name it: the key, or `<item>Count` for a list's count (`fieldCount`). */
  readonly name: string;
  readonly wire: number;
  /** Byte offset within its run. */
  readonly offset: number;
  readonly size: number;
}

/**
 * Consecutive fixed-size fields, read after one bounds check. A list's count ends a run; its
 * items follow, then the next run.
 */
interface Run {
  readonly size: number;
  readonly slots: readonly Slot[];
}

/** A kind's record as the codec walks it. */
interface RecordCodec {
  readonly kind: TraceKind;
  readonly code: number;
  /** seq, tNs, then the declared fields, in wire order. */
  readonly slots: readonly Slot[];
  readonly runs: readonly Run[];
  /** Bytes of an event of this kind with empty lists, kind code included. */
  readonly bytes: number;
}

function compileRecord(kind: TraceKind): RecordCodec {
  const spec = TRACE_KIND_TABLE[kind];
  const fields: [string, FieldType][] = [
    ['seq', 'u32'],
    ['tNs', 'time'],
    ...(Object.entries(spec.fields) as [string, FieldType][]),
  ];
  const slots: Slot[] = [];
  const runs: Run[] = [];
  let run: Slot[] = [];
  let offset = 0;
  let bytes = 1;
  for (const [key, type] of fields) {
    const { id, size } = WIRE[type];
    const list = id === STRING_LIST || id === FIELD_VALUES;
    const name = list ? `${key.endsWith('s') ? key.slice(0, -1) : key}Count` : key;
    const slot: Slot = { key, name, wire: id, offset, size };
    slots.push(slot);
    run.push(slot);
    offset += size;
    bytes += size;
    if (list) {
      runs.push({ size: offset, slots: run });
      run = [];
      offset = 0;
    }
  }
  if (run.length > 0) runs.push({ size: offset, slots: run });
  return { kind, code: spec.code, slots, runs, bytes };
}

const RECORDS = new Map<string, RecordCodec>(TRACE_KINDS.map((k) => [k, compileRecord(k)]));
const RECORD_BY_CODE: (RecordCodec | undefined)[] = new Array(256).fill(undefined);
for (const r of RECORDS.values()) RECORD_BY_CODE[r.code] = r;

/** Kind codes on disk (declared in kinds.ts). 0x00 is never used, so a run of zero bytes is not a valid event. */
export const TRACE_KIND_CODES: Readonly<Record<TraceKind, number>> = Object.fromEntries(
  TRACE_KINDS.map((k) => [k, TRACE_KIND_TABLE[k].code]),
) as Record<TraceKind, number>;

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

  /** Checks a list of strings; returns its length. */
  stringList(field: string): number {
    const v = this.event[field];
    if (!Array.isArray(v)) this.fail(field, `${describe(v)} is not a list of strings`);
    if (v.length > U16_MAX) this.fail(field, `${v.length} strings, at most ${U16_MAX} fit`);
    for (let i = 0; i < v.length; i++) this.str(`${field}[${i}]`, v[i]);
    return v.length;
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
  const rec = typeof kind === 'string' ? RECORDS.get(kind) : undefined;
  if (rec === undefined) c.fail('kind', `unknown event kind ${describe(kind)} (known: ${TRACE_KINDS.join(', ')})`);
  let bytes = rec.bytes;
  for (const s of rec.slots) {
    switch (s.wire) {
      case U16:
        c.u16(s.key);
        break;
      case U32:
        c.u32(s.key);
        break;
      case U53:
        c.u53(s.key);
        break;
      case TIME:
        c.time(s.key);
        break;
      case FRACTION:
        c.fraction(s.key);
        break;
      case STRING:
        c.str(s.key);
        break;
      case STRING_LIST:
        bytes += c.stringList(s.key) * STRING_ITEM_BYTES;
        break;
      case FIELD_VALUES:
        bytes += c.fieldValues(s.key) * FIELD_ITEM_BYTES;
        break;
    }
  }
  return bytes;
}

/** Writes checked events, walking each kind's compiled record; allocates nothing per event. */
class RecordWriter {
  constructor(
    private readonly w: bin.BufferWriter,
    private readonly strings: StringTable,
  ) {}

  write(e: TraceEvent): void {
    const w = this.w;
    const strings = this.strings;
    const rec = RECORDS.get(e.kind)!;
    const values = e as unknown as Record<string, unknown>;
    w.writeUint8(rec.code);
    for (const s of rec.slots) {
      const v = values[s.key];
      switch (s.wire) {
        case U16:
          w.writeUint16(v as number);
          break;
        case U32:
          w.writeUint32(v as number);
          break;
        case U53:
          u53.write(w, v as number);
          break;
        case TIME:
        case FRACTION:
          f64.write(w, v as number);
          break;
        case STRING:
          w.writeUint32(strings.intern(v as string));
          break;
        case STRING_LIST: {
          const list = v as readonly string[];
          w.writeUint16(list.length);
          for (let i = 0; i < list.length; i++) w.writeUint32(strings.intern(list[i]!));
          break;
        }
        case FIELD_VALUES: {
          const fields = v as FieldValues;
          let n = 0;
          for (const name in fields) if (Object.hasOwn(fields, name)) n++;
          w.writeUint16(n);
          for (const name in fields) {
            if (!Object.hasOwn(fields, name)) continue;
            w.writeUint32(strings.intern(name));
            w.writeUint32(fields[name]!);
          }
          break;
        }
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
  private seq = 0;

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
   * Running out of bytes at `field`: a truncation when `limit` is the end of the file, else
   * (inside the event section) an event count mismatch.
   */
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
    if (PREAMBLE_BYTES + HEADER_LAYOUT.size > this.end) {
      const slot = HEADER_LAYOUT.slots.find((s) => PREAMBLE_BYTES + s.offset + s.size > this.end)!;
      this.ranOut(this.end, slot.name);
    }
    const h = HeaderV1.read(this.r);
    if (h.flags !== 0) this.fail(`unsupported header flags ${hex(h.flags, 4)} (version 1 defines none)`, 10);

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
      const code = this.r.readUint8();
      const rec = RECORD_BY_CODE[code];
      if (rec === undefined) this.fail(`unknown event kind ${hex(code, 2)} at byte ${at} (${this.where()})`, at);
      events.push(this.readEvent(rec, limit));
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

  private bad(field: string, problem: string, offset: number): never {
    this.fail(`${this.where()} (seq ${this.seq}) at byte ${this.eventAt}: field ${field} ${problem}`, offset);
  }

  private str(i: number, field: string, offset: number): string {
    if (i >= this.strings.length) {
      this.fail(
        `string index ${i} out of range (${this.strings.length} strings) in ${this.where()} (seq ${this.seq}) at byte ${this.eventAt}, field ${field}`,
        offset,
      );
    }
    return this.strings[i]!;
  }

  private stringList(key: string, count: number, limit: number): string[] {
    const r = this.r;
    const list: string[] = [];
    for (let i = 0; i < count; i++) {
      const at = r.currentByteOffset;
      if (at + STRING_ITEM_BYTES > limit) this.ranOut(limit, `${key}[${i}]`);
      list.push(this.str(r.readUint32(), `${key}[${i}]`, at));
    }
    return list;
  }

  private fieldValues(key: string, count: number, limit: number): FieldValues {
    const r = this.r;
    const fields: Record<string, number> = {};
    for (let i = 0; i < count; i++) {
      const at = r.currentByteOffset;
      if (at + FIELD_ITEM_BYTES > limit) this.ranOut(limit, `${key}[${i}].${at + 4 > limit ? 'name' : 'value'}`);
      const name = this.str(r.readUint32(), `${key}[${i}].name`, at);
      const value = r.readUint32();
      // defineProperty: a field literally named `__proto__` must stay a field.
      if (name === '__proto__')
        Object.defineProperty(fields, name, { value, enumerable: true, writable: true, configurable: true });
      else fields[name] = value;
    }
    return fields;
  }

  /**
   * One record, run by run: each run is bounds-checked as a whole (naming the first field that
   * crosses the limit), then its fields are read and checked in order, lists' items after their
   * count. The event gets the keys seq, tNs, kind, then the kind's fields.
   */
  private readEvent(rec: RecordCodec, limit: number): TraceEvent {
    const r = this.r;
    let e: Record<string, unknown> = {};
    const runs = rec.runs;
    for (let ri = 0; ri < runs.length; ri++) {
      const run = runs[ri]!;
      const slots = run.slots;
      const start = r.currentByteOffset;
      if (start + run.size > limit) {
        const slot = slots.find((s) => start + s.offset + s.size > limit)!;
        this.ranOut(limit, slot.name);
      }
      let si = 0;
      if (ri === 0) {
        const seq = r.readUint32();
        this.seq = seq;
        const tNs = f64.read(r);
        if (!Number.isFinite(tNs) || tNs < 0) this.bad('tNs', `is ${tNs}, not a finite time >= 0`, start + 4);
        e = { seq, tNs, kind: rec.kind };
        si = 2;
      }
      for (; si < slots.length; si++) {
        const s = slots[si]!;
        switch (s.wire) {
          case U16:
            e[s.key] = r.readUint16();
            break;
          case U32:
            e[s.key] = r.readUint32();
            break;
          case U53: {
            const x = u53.read(r);
            if (!Number.isSafeInteger(x)) this.bad(s.name, `is ${x}, above 2^53-1`, start + s.offset);
            e[s.key] = x;
            break;
          }
          case TIME: {
            const t = f64.read(r);
            if (!Number.isFinite(t) || t < 0) this.bad(s.name, `is ${t}, not a finite time >= 0`, start + s.offset);
            e[s.key] = t;
            break;
          }
          case FRACTION: {
            const f = f64.read(r);
            if (!(f >= 0 && f <= 1)) this.bad(s.name, `is ${f}, not a fraction in [0, 1]`, start + s.offset);
            e[s.key] = f;
            break;
          }
          case STRING:
            e[s.key] = this.str(r.readUint32(), s.name, start + s.offset);
            break;
          case STRING_LIST:
            e[s.key] = this.stringList(s.key, r.readUint16(), limit);
            break;
          case FIELD_VALUES:
            e[s.key] = this.fieldValues(s.key, r.readUint16(), limit);
            break;
        }
      }
    }
    return e as unknown as TraceEvent;
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
