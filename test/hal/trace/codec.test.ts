import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  TRACE_FORMAT_VERSION,
  TRACE_KIND_CODES,
  TraceEncodeError,
  TraceFormatError,
  decodeTrace,
  encodeTrace,
} from '../../../hal/trace/codec.js';
import { crc32 } from '../../../hal/trace/crc32.js';
import { TRACE_KINDS, type TraceEvent } from '../../../hal/trace/events.js';
import { TRACE_KIND_TABLE, checkKindTable } from '../../../hal/trace/kinds.js';
import { SAMPLE_BOARD, sampleTraceEvents, systemRunEvents } from '../../fixtures/traces/sample-trace.js';

const FIXTURE = join(import.meta.dirname, '../../fixtures/traces/pandaboard-boot.pasrtrace');
const SYSTEM_FIXTURE = join(import.meta.dirname, '../../fixtures/traces/system-run.pasrtrace');
const HEADER_BYTES = 32;

/** A copy of `bytes` with the CRC-32 trailer recomputed (to reach the checks behind the CRC). */
function withCrc(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out, 0, out.length - 4), true);
  return out;
}

function u32At(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, true);
}

function setU32(bytes: Uint8Array, offset: number, v: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(offset, v, true);
}

/** Offset of the event section: the header's event-section length counts back from the CRC. */
function eventsStart(bytes: Uint8Array): number {
  return bytes.length - 4 - u32At(bytes, 20);
}

function decodeError(bytes: Uint8Array, file = 'boot.pasrtrace'): TraceFormatError {
  try {
    decodeTrace(bytes, file);
  } catch (e) {
    expect(e).toBeInstanceOf(TraceFormatError);
    return e as TraceFormatError;
  }
  throw new Error('expected decodeTrace to throw');
}

function encodeError(events: readonly unknown[]): string {
  try {
    encodeTrace({ board: 'b', events: events as TraceEvent[] });
  } catch (e) {
    expect(e).toBeInstanceOf(TraceEncodeError);
    return (e as Error).message;
  }
  throw new Error('expected encodeTrace to throw');
}

/** Every kind, with the edge values of each field. */
function edgeEvents(): TraceEvent[] {
  return [
    { seq: 0, tNs: 0, kind: 'mmio.write', address: 0, value: 0, block: '', register: '', fields: {} },
    {
      seq: 1,
      tNs: 2 ** 32 + 7,
      kind: 'mmio.write',
      address: 0x1_0000_0000 + 0x40,
      value: 0xffffffff,
      block: 'ddrc',
      register: 'MRCTRL0',
      fields: { MR_WR: 1, MR_RANK: 3, MR_ADDR: 0xffffffff, ['__proto__']: 5 },
    },
    {
      seq: 2,
      tNs: 18.75,
      kind: 'mmio.read',
      address: Number.MAX_SAFE_INTEGER,
      value: 0xffffffff,
      block: 'émif-Ω',
      register: 'REG_ü_段',
    },
    {
      seq: 3,
      tNs: Number.MAX_SAFE_INTEGER,
      kind: 'dram.mrw',
      die: 'emif1.cs0',
      mr: 0xffff,
      value: 0xffffffff,
      register: 'MR17',
    },
    { seq: 4, tNs: 5e15, kind: 'dram.mrr', die: 'die-😀', mr: 0, value: 0, register: 'MR0' },
    {
      seq: 5,
      tNs: 100,
      kind: 'dram.sr.enter',
      die: 'emif1.cs0',
      bankMask: 0xffffffff,
      segmentMask: 0,
      refreshedFraction: 0,
    },
    { seq: 6, tNs: 101, kind: 'dram.sr.enter', die: 'emif1.cs0', bankMask: 0, segmentMask: 0xff, refreshedFraction: 1 },
    {
      seq: 7,
      tNs: 102,
      kind: 'dram.sr.exit',
      die: 'emif1.cs0',
      durationNs: 2 ** 40 + 0.5,
      poisonedPages: Number.MAX_SAFE_INTEGER,
    },
    {
      seq: 0xffffffff,
      tNs: 103,
      kind: 'guest.error',
      source: 'emif1.cs1',
      message: 'MRW to read-only MR5, "quoted", comma\nnewline',
    },
    {
      seq: 9,
      tNs: 104,
      kind: 'pasr.mask',
      unit: 0xffffffff,
      register: 'MR23',
      bit: 0xffff,
      dies: ['ddrc.ch0.rank0', 'ddrc.ch1.rank0', 'die-😀'],
      pages: Number.MAX_SAFE_INTEGER,
      policy: 'oracle',
    },
    { seq: 10, tNs: 105, kind: 'pasr.unmask', unit: 0, register: 'MR16', bit: 0, dies: [], pages: 0, policy: '' },
    { seq: 11, tNs: 106, kind: 'sys.suspend', reason: '' },
    { seq: 12, tNs: 2 ** 40 + 0.25, kind: 'sys.resume', durationNs: 2 ** 40 - 105.75, wakeSource: 'rtc, "alarm"' },
    { seq: 13, tNs: 2 ** 40 + 1, kind: 'policy.decision', policy: 'sorted-buddy', action: 'offline', detail: 'ü\n段' },
    { seq: 14, tNs: 2 ** 40 + 2, kind: 'mm.batch', mechanism: 'contig', pages: 2 ** 53 - 1, costNs: 0 },
  ];
}

describe('trace file codec (.pasrtrace)', () => {
  it('round-trips every event kind with edge values (0, 0xffffffff, tNs > 2^32, addresses > 4 GiB, unicode names)', () => {
    const events = edgeEvents();
    expect(new Set(events.map((e) => e.kind))).toEqual(new Set(TRACE_KINDS));
    const bytes = encodeTrace({ board: 'board-Ω', creator: 'test ✓', events });
    const back = decodeTrace(bytes, 'edge.pasrtrace');
    expect(back.board).toBe('board-Ω');
    expect(back.creator).toBe('test ✓');
    expect(back.events).toEqual(events);
    // A field literally named __proto__ stays a field.
    const w = back.events[1] as Extract<TraceEvent, { kind: 'mmio.write' }>;
    expect(Object.keys(w.fields)).toEqual(['MR_WR', 'MR_RANK', 'MR_ADDR', '__proto__']);
    expect(Object.getPrototypeOf(w.fields)).toBe(Object.prototype);
  });

  it('decodes events with the key order {seq, tNs, kind, ...}', () => {
    const back = decodeTrace(encodeTrace({ board: 'b', events: sampleTraceEvents() }), 'x');
    for (const e of back.events) expect(Object.keys(e).slice(0, 3)).toEqual(['seq', 'tNs', 'kind']);
  });

  it('round-trips an empty trace and defaults the creator to pasr-emu', () => {
    const back = decodeTrace(encodeTrace({ board: 'empty', events: [] }), 'x');
    expect(back).toEqual({ board: 'empty', creator: 'pasr-emu', events: [] });
  });

  it('writes a little-endian header: magic, version 1, counts, then a CRC-32 trailer', () => {
    const events = sampleTraceEvents();
    const bytes = encodeTrace({ board: SAMPLE_BOARD, events });
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x50, 0x41, 0x53, 0x52, 0x54, 0x52, 0x43]);
    expect([bytes[8], bytes[9]]).toEqual([TRACE_FORMAT_VERSION, 0]);
    expect(u32At(bytes, 16)).toBe(events.length);
    expect(u32At(bytes, bytes.length - 4)).toBe(crc32(bytes, 0, bytes.length - 4));
    // The first event is the kind code of mmio.write.
    expect(bytes[eventsStart(bytes)]).toBe(TRACE_KIND_CODES['mmio.write']);
  });

  it('is byte-for-byte the committed sample file (the format has not drifted)', () => {
    const committed = new Uint8Array(readFileSync(FIXTURE));
    const fresh = encodeTrace({ board: SAMPLE_BOARD, events: sampleTraceEvents() });
    expect(Buffer.from(fresh).equals(Buffer.from(committed))).toBe(true);
    expect(decodeTrace(committed, 'pandaboard-boot.pasrtrace').events).toEqual(sampleTraceEvents());
  });

  it('computes the standard CRC-32 (check value of "123456789" is 0xcbf43926)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('trace encoding rejects values that do not fit, before writing anything', () => {
  const write = (over: Record<string, unknown>): Record<string, unknown> => ({
    seq: 3,
    tNs: 10,
    kind: 'mmio.write',
    address: 0x4c000050,
    value: 1,
    block: 'emif1',
    register: 'LPDDR2_MODE_REG_CONFIG',
    fields: { CS: 0 },
    ...over,
  });
  const cases: [string, Record<string, unknown>, string][] = [
    [
      'a value of 2^32',
      write({ value: 2 ** 32 }),
      'seq 3 (index 0, mmio.write), field value: 4294967296 does not fit in 32 bits',
    ],
    ['a negative value', write({ value: -1 }), 'field value: -1 does not fit in 32 bits'],
    ['a fractional value', write({ value: 1.5 }), 'field value: 1.5 does not fit in 32 bits'],
    ['a string value', write({ value: '7' }), 'field value: "7" is not a number'],
    ['a NaN time', write({ tNs: NaN }), 'field tNs: NaN is not a finite time >= 0 ns'],
    ['a negative time', write({ tNs: -5 }), 'field tNs: -5 is not a finite time >= 0 ns'],
    ['an infinite time', write({ tNs: Infinity }), 'field tNs: Infinity is not a finite time >= 0 ns'],
    ['an address of 2^53', write({ address: 2 ** 53 }), 'field address: 9007199254740992 is not an integer 0..2^53-1'],
    ['a negative address', write({ address: -4 }), 'field address: -4 is not an integer 0..2^53-1'],
    [
      'a field value of 2^32',
      write({ fields: { CS: 0, ADDRESS: 2 ** 32 } }),
      'field fields.ADDRESS: 4294967296 does not fit in 32 bits',
    ],
    [
      'fields that are not an object',
      write({ fields: [1, 2] }),
      'field fields: an array is not an object of field values',
    ],
    ['a missing register name', write({ register: undefined }), 'field register: undefined (missing) is not a string'],
    ['a NUL in a name', write({ block: 'emif\u00001' }), 'field block: "emif\\u00001" contains a NUL character'],
    [
      'a lone surrogate in a name',
      write({ register: 'R\ud800' }),
      'field register: "R\\ud800" contains a lone UTF-16 surrogate',
    ],
    [
      'a negative seq',
      write({ seq: -1 }),
      'cannot encode trace event seq -1 (index 0, mmio.write), field seq: -1 does not fit in 32 bits',
    ],
    ['a seq of 2^32', write({ seq: 2 ** 32 }), 'field seq: 4294967296 does not fit in 32 bits'],
    [
      'an MR number of 65536',
      { seq: 3, tNs: 0, kind: 'dram.mrw', die: 'd', mr: 65536, value: 0, register: 'MR' },
      'field mr: 65536 does not fit in 16 bits',
    ],
    [
      'a refreshed fraction above 1',
      { seq: 3, tNs: 0, kind: 'dram.sr.enter', die: 'd', bankMask: 0, segmentMask: 0, refreshedFraction: 1.5 },
      'field refreshedFraction: 1.5 is not a fraction in [0, 1]',
    ],
    [
      'a poisoned page count of 2^53',
      { seq: 3, tNs: 0, kind: 'dram.sr.exit', die: 'd', durationNs: 1, poisonedPages: 2 ** 53 },
      'field poisonedPages: 9007199254740992 is not an integer 0..2^53-1',
    ],
    ['an unknown kind', { seq: 3, tNs: 0, kind: 'mmio.poke' }, 'field kind: unknown event kind "mmio.poke"'],
  ];
  for (const [what, event, message] of cases) {
    it(`rejects ${what}, naming the event and field`, () => {
      expect(encodeError([event])).toContain(message);
    });
  }

  it('names the index of the bad event among good ones', () => {
    const events: unknown[] = sampleTraceEvents();
    events[5] = { ...(events[5] as object), value: 2 ** 33 };
    expect(encodeError(events)).toMatch(
      /^cannot encode trace event seq 5 \(index 5, dram\.mrw\), field value: 8589934592 does not fit/,
    );
  });

  it('rejects a board name with a NUL', () => {
    expect(() => encodeTrace({ board: 'a\u0000b', events: [] })).toThrow(/board name "a\\u0000b" contains a NUL/);
  });
});

describe('trace decoding of truncated, corrupted and foreign files', () => {
  const sample = new Uint8Array(readFileSync(FIXTURE));
  const eventCount = u32At(sample, 16);

  it('gives a clear truncation error at every byte offset of the sample file', () => {
    // Views into the full file: bytes past the cut are still in the ArrayBuffer, which typed-binary
    // would happily read; the decoder must not.
    const seen = new Set<string>();
    for (let n = 0; n < sample.length; n++) {
      const err = decodeError(sample.subarray(0, n));
      expect(err.message).toMatch(new RegExp(`^boot\\.pasrtrace: truncated at byte ${n} \\(.+\\)`));
      seen.add(
        err.message
          .replace(/^.*?\(/, '')
          .replace(/ \d+ of \d+/g, ' K of N')
          .replace(/\[\d+\]/, '[i]'),
      );
    }
    expect([...seen]).toEqual(
      expect.arrayContaining([
        'magic): the file is empty',
        'magic)',
        'header, field version)',
        'header, field eventCount)',
        'string table, string K of N)',
        'event K of N, field kind)',
        'event K of N, field tNs)',
        'event K of N, field value)',
        'event K of N, field fields[i].name)',
        'event K of N, field register)',
        'CRC-32 trailer)',
      ]),
    );
  });

  it('names the event and field a file ends in', () => {
    const start = eventsStart(sample);
    // Event 1 is an mmio.write: kind(1) seq(4) tNs(8) address(8) value(4) ...
    const cut = start + 1 + 4 + 8 + 8 + 2;
    expect(decodeError(sample.subarray(0, cut)).message).toBe(
      `boot.pasrtrace: truncated at byte ${cut} (event 1 of ${eventCount}, field value)`,
    );
    expect(decodeError(sample.subarray(0, sample.length - 1)).message).toBe(
      `boot.pasrtrace: truncated at byte ${sample.length - 1} (CRC-32 trailer)`,
    );
  });

  it('detects every single-byte corruption (CRC or a format error), never a bare RangeError', () => {
    for (let i = 0; i < sample.length; i++) {
      const bad = sample.slice();
      bad[i] ^= 0xff;
      decodeError(bad);
    }
  });

  it('survives random multi-byte corruption and truncation with a TraceFormatError', () => {
    let s = 0x2545f491;
    const rand = (n: number): number => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) % n;
    };
    let structural = 0;
    for (let round = 0; round < 1500; round++) {
      const bad = sample.slice(0, round % 3 === 0 ? rand(sample.length) + 1 : sample.length);
      for (let k = rand(4) + 1; k > 0; k--) bad[rand(bad.length)] ^= rand(255) + 1;
      if (round % 2 === 1 || bad.length <= 4) {
        decodeError(bad);
        continue;
      }
      // With the CRC recomputed, the structural checks behind it are exercised: the damage may
      // still be a well-formed file (a changed value), but anything else is a TraceFormatError.
      try {
        decodeTrace(withCrc(bad), 'boot.pasrtrace');
      } catch (e) {
        expect(e).toBeInstanceOf(TraceFormatError);
        structural++;
      }
    }
    expect(structural).toBeGreaterThan(100);
  });

  it('rejects a file of another format with "bad magic"', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
    expect(decodeError(png, 'boot.pasrtrace').message).toBe(
      'boot.pasrtrace: bad magic: not a pasr trace file (expected 89 50 41 53 52 54 52 43, found 89 50 4e 47 0d 0a 1a 0a)',
    );
    expect(decodeError(new TextEncoder().encode('{"events": []}')).message).toMatch(/bad magic/);
  });

  it('rejects an unsupported version', () => {
    const bad = sample.slice();
    bad[8] = 7;
    expect(decodeError(bad).message).toBe('boot.pasrtrace: unsupported version 7 (this pasr reads version 1)');
  });

  it('reports a CRC mismatch when the content is damaged but well formed', () => {
    const bad = sample.slice();
    const i = bad.indexOf(0x31, HEADER_BYTES); // a '1' in the string table ('emif1')
    bad[i] = 0x33;
    expect(decodeError(bad).message).toMatch(
      /^boot\.pasrtrace: CRC mismatch \(file corrupted\): stored CRC-32 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}/,
    );
  });

  it('rejects a string index out of range', () => {
    const bad = sample.slice();
    const start = eventsStart(bad);
    setU32(bad, start + 1 + 4 + 8 + 8 + 4, 999); // event 1, field block
    expect(decodeError(withCrc(bad)).message).toBe(
      `boot.pasrtrace: string index 999 out of range (25 strings) in event 1 of ${eventCount} (seq 0) at byte ${start}, field block`,
    );
  });

  it('rejects an unknown event kind, naming the byte', () => {
    const bad = sample.slice();
    const start = eventsStart(bad);
    bad[start] = 0x1f;
    expect(decodeError(withCrc(bad)).message).toBe(
      `boot.pasrtrace: unknown event kind 0x1f at byte ${start} (event 1 of ${eventCount})`,
    );
  });

  it('rejects an event count that does not match the event section', () => {
    const fewer = sample.slice();
    setU32(fewer, 16, eventCount - 1);
    expect(decodeError(withCrc(fewer)).message).toMatch(
      new RegExp(
        `^boot\\.pasrtrace: event count mismatch: the header says ${eventCount - 1} events in \\d+ bytes .* end at byte \\d+, \\d+ bytes early$`,
      ),
    );
    const more = sample.slice();
    setU32(more, 16, eventCount + 1);
    expect(decodeError(withCrc(more)).message).toMatch(
      new RegExp(
        `^boot\\.pasrtrace: event count mismatch: .* but event ${eventCount + 1} of ${eventCount + 1} \\(starting at byte \\d+, field kind\\) runs past that end$`,
      ),
    );
  });

  it('rejects trailing bytes after the CRC', () => {
    const longer = new Uint8Array(sample.length + 3);
    longer.set(sample);
    expect(decodeError(longer).message).toBe(
      `boot.pasrtrace: 3 trailing bytes after the CRC-32 trailer (the file should end at byte ${sample.length})`,
    );
  });

  it('rejects invalid UTF-8 in the string table', () => {
    const bad = sample.slice();
    bad[HEADER_BYTES] = 0xff; // first byte of the board name
    expect(decodeError(withCrc(bad)).message).toBe(
      `boot.pasrtrace: string 1 of 25 at byte ${HEADER_BYTES} is not valid UTF-8`,
    );
  });

  it('rejects values the encoder would never write (a NaN time), even with a valid CRC', () => {
    const bad = sample.slice();
    const start = eventsStart(bad);
    setU32(bad, start + 5, 0);
    setU32(bad, start + 9, 0x7ff80000); // tNs = NaN
    expect(decodeError(withCrc(bad)).message).toBe(
      `boot.pasrtrace: event 1 of ${eventCount} (seq 0) at byte ${start}: field tNs is NaN, not a finite time >= 0`,
    );
  });

  it('rejects header flags it does not know', () => {
    const bad = sample.slice();
    bad[10] = 2;
    expect(decodeError(withCrc(bad)).message).toBe(
      'boot.pasrtrace: unsupported header flags 0x0002 (version 1 defines none)',
    );
  });

  it('rejects input that is not bytes', () => {
    expect(decodeError('PASR' as unknown as Uint8Array).message).toBe(
      'boot.pasrtrace: expected the file\'s bytes, got "PASR"',
    );
  });

  it('carries the file name and byte offset on the error', () => {
    const err = decodeError(sample.subarray(0, 40), 'run/boot.pasrtrace');
    expect(err.fileName).toBe('run/boot.pasrtrace');
    expect(err.offset).toBe(40);
    expect(err.name).toBe('TraceFormatError');
  });
});

describe('trace events of a system run (PASR masks, suspend/resume, policy decisions, mm batches)', () => {
  const system = new Uint8Array(readFileSync(SYSTEM_FIXTURE));
  const systemCount = u32At(system, 16);
  const mask = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
    seq: 3,
    tNs: 10,
    kind: 'pasr.mask',
    unit: 7,
    register: 'MR17',
    bit: 7,
    dies: ['emif1.cs0', 'emif2.cs0'],
    pages: 16384,
    policy: 'balloon',
    ...over,
  });

  it('is byte-for-byte the committed system-run file, which decodes to its events', () => {
    const fresh = encodeTrace({ board: SAMPLE_BOARD, events: systemRunEvents() });
    expect(Buffer.from(fresh).equals(Buffer.from(system))).toBe(true);
    const back = decodeTrace(system, 'system-run.pasrtrace');
    expect(back.events).toEqual(systemRunEvents());
    for (const k of ['pasr.mask', 'pasr.unmask', 'sys.suspend', 'sys.resume', 'policy.decision', 'mm.batch'])
      expect(back.events.some((e) => e.kind === k)).toBe(true);
  });

  it('writes a string list as a u16 count, then one u32 string index per string', () => {
    const e = mask({ seq: 0, tNs: 0, unit: 3, bit: 5, dies: ['a', 'b', 'a'], pages: 2 ** 32 + 1, policy: 'p' });
    const bytes = encodeTrace({ board: 'x', events: [e as unknown as TraceEvent] });
    const at = eventsStart(bytes);
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    // Strings: 0 board, 1 creator, 2 MR17, 3 a, 4 b, 5 p.
    expect(bytes[at]).toBe(0x08);
    expect([dv.getUint32(at + 13, true), dv.getUint32(at + 17, true), dv.getUint16(at + 21, true)]).toEqual([3, 2, 5]);
    expect(dv.getUint16(at + 23, true)).toBe(3);
    expect([25, 29, 33].map((o) => dv.getUint32(at + o, true))).toEqual([3, 4, 3]);
    expect([dv.getUint32(at + 37, true), dv.getUint32(at + 41, true), dv.getUint32(at + 45, true)]).toEqual([1, 1, 5]);
    expect(u32At(bytes, 20)).toBe(49);
    expect(decodeTrace(bytes).events[0]).toEqual(e);
  });

  it('gives a clear truncation error at every byte offset, naming list counts and items', () => {
    const seen = new Set<string>();
    for (let n = 0; n < system.length; n++) {
      const err = decodeError(system.subarray(0, n), 'system-run.pasrtrace');
      expect(err.message).toMatch(new RegExp(`^system-run\\.pasrtrace: truncated at byte ${n} \\(.+\\)`));
      expect(err.offset).toBe(n);
      seen.add(
        err.message
          .replace(/^.*?\(/, '')
          .replace(/ \d+ of \d+/g, ' K of N')
          .replace(/\[\d+\]/, '[i]'),
      );
    }
    expect([...seen]).toEqual(
      expect.arrayContaining(
        [
          'unit',
          'bit',
          'dieCount',
          'dies[i]',
          'pages',
          'policy',
          'reason',
          'durationNs',
          'wakeSource',
          'action',
          'detail',
          'mechanism',
          'costNs',
        ].map((f) => `event K of N, field ${f})`),
      ),
    );
  });

  it('detects every single-byte corruption, and checks the structure behind a recomputed CRC', () => {
    let structural = 0;
    for (let i = 0; i < system.length; i++) {
      const bad = system.slice();
      bad[i] ^= 0xff;
      decodeError(bad);
      if (i >= system.length - 4) continue;
      try {
        decodeTrace(withCrc(bad), 'system-run.pasrtrace');
      } catch (e) {
        expect(e).toBeInstanceOf(TraceFormatError);
        structural++;
      }
    }
    expect(structural).toBeGreaterThan(100);
  });

  it('refuses an unknown kind code, naming the code and its byte offset', () => {
    const start = eventsStart(system);
    const firstFree = Math.max(...Object.values(TRACE_KIND_CODES)) + 1;
    for (const code of [0x00, firstFree, 0xff]) {
      const bad = system.slice();
      bad[start] = code;
      const err = decodeError(withCrc(bad), 'system-run.pasrtrace');
      expect(err.message).toBe(
        `system-run.pasrtrace: unknown event kind 0x${code.toString(16).padStart(2, '0')} at byte ${start} (event 1 of ${systemCount})`,
      );
      expect(err.offset).toBe(start);
    }
    // The second of two sys.suspend records (1 + 4 + 8 + 4 = 17 bytes each).
    const two = encodeTrace({
      board: 'b',
      events: [
        { seq: 0, tNs: 0, kind: 'sys.suspend', reason: 'idle' },
        { seq: 1, tNs: 5, kind: 'sys.suspend', reason: 'idle' },
      ],
    });
    const second = eventsStart(two) + 17;
    expect(two[second]).toBe(TRACE_KIND_CODES['sys.suspend']);
    two[second] = firstFree;
    expect(decodeError(withCrc(two)).message).toBe(
      `boot.pasrtrace: unknown event kind 0x${firstFree.toString(16).padStart(2, '0')} at byte ${second} (event 2 of 2)`,
    );
  });

  it('rejects values the encoder would never write in fields after a string list', () => {
    const bytes = encodeTrace({ board: 'x', events: [mask({ seq: 0, dies: ['a', 'b'] }) as unknown as TraceEvent] });
    const at = eventsStart(bytes);
    const pagesAt = at + 25 + 2 * 4;
    const bigPages = bytes.slice();
    setU32(bigPages, pagesAt, 0);
    setU32(bigPages, pagesAt + 4, 0x00200000); // pages = 2^53
    const err = decodeError(withCrc(bigPages));
    expect(err.message).toBe(
      `boot.pasrtrace: event 1 of 1 (seq 0) at byte ${at}: field pages is 9007199254740992, above 2^53-1`,
    );
    expect(err.offset).toBe(pagesAt);
    const badDie = bytes.slice();
    setU32(badDie, at + 29, 999); // dies[1]
    const err2 = decodeError(withCrc(badDie));
    expect(err2.message).toBe(
      `boot.pasrtrace: string index 999 out of range (6 strings) in event 1 of 1 (seq 0) at byte ${at}, field dies[1]`,
    );
    expect(err2.offset).toBe(at + 29);

    const batch = encodeTrace({
      board: 'x',
      events: [{ seq: 0, tNs: 0, kind: 'mm.batch', mechanism: 'migrate', pages: 1, costNs: 2 }],
    });
    const costAt = eventsStart(batch) + 1 + 4 + 8 + 4 + 8;
    setU32(batch, costAt, 0);
    setU32(batch, costAt + 4, 0xfff00000); // -Infinity
    expect(decodeError(withCrc(batch)).message).toMatch(/field costNs is -Infinity, not a finite time >= 0$/);
  });

  const cases: [string, Record<string, unknown>, string][] = [
    [
      'a PASR unit of 2^53 pages',
      mask({ pages: 2 ** 53 }),
      'cannot encode trace event seq 3 (index 0, pasr.mask), field pages: 9007199254740992 is not an integer 0..2^53-1',
    ],
    ['a negative unit index', mask({ unit: -1 }), 'field unit: -1 does not fit in 32 bits'],
    ['a mask bit of 65536', mask({ bit: 65536 }), 'field bit: 65536 does not fit in 16 bits'],
    ['dies that are not a list', mask({ dies: 'emif1.cs0' }), 'field dies: "emif1.cs0" is not a list of strings'],
    ['a die that is not a string', mask({ dies: ['emif1.cs0', 7] }), 'field dies[1]: 7 is not a string'],
    ['a die with a NUL', mask({ dies: ['emif\u00001'] }), 'field dies[0]: "emif\\u00001" contains a NUL character'],
    [
      'more dies than a u16 counts',
      mask({ dies: Array.from({ length: 65536 }, () => 'd') }),
      'field dies: 65536 strings, at most 65535 fit',
    ],
    ['a missing policy', mask({ policy: undefined }), 'field policy: undefined (missing) is not a string'],
    [
      'a negative suspend time',
      { seq: 4, tNs: -1, kind: 'sys.suspend', reason: 'idle' },
      'cannot encode trace event seq 4 (index 0, sys.suspend), field tNs: -1 is not a finite time >= 0 ns',
    ],
    [
      'an infinite suspend duration',
      { seq: 4, tNs: 1, kind: 'sys.resume', durationNs: Infinity, wakeSource: 'rtc' },
      'field durationNs: Infinity is not a finite time >= 0 ns',
    ],
    [
      'a wake source that is not a string',
      { seq: 4, tNs: 1, kind: 'sys.resume', durationNs: 1, wakeSource: 3 },
      'field wakeSource: 3 is not a string',
    ],
    [
      'a decision without detail',
      { seq: 4, tNs: 1, kind: 'policy.decision', policy: 'balloon', action: 'skip' },
      '(index 0, policy.decision), field detail: undefined (missing) is not a string',
    ],
    [
      'a batch of 2^53 pages',
      { seq: 4, tNs: 1, kind: 'mm.batch', mechanism: 'migrate', pages: 2 ** 53, costNs: 1 },
      'field pages: 9007199254740992 is not an integer 0..2^53-1',
    ],
    [
      'a NaN batch cost',
      { seq: 4, tNs: 1, kind: 'mm.batch', mechanism: 'migrate', pages: 1, costNs: NaN },
      'field costNs: NaN is not a finite time >= 0 ns',
    ],
  ];
  for (const [what, event, message] of cases) {
    it(`refuses ${what} before writing, naming the event and field`, () => {
      expect(encodeError([event])).toContain(message);
    });
  }

  it('has distinct kind codes 0x01..0xff in table order, and the table check catches a slip', () => {
    expect(() => checkKindTable()).not.toThrow();
    expect(() => checkKindTable({ 'a.x': { code: 1 }, 'b.y': { code: 2 }, 'c.z': { code: 2 } })).toThrow(
      'kinds b.y and c.z share code 0x02',
    );
    expect(() => checkKindTable({ 'a.x': { code: 0 } })).toThrow('kind a.x: code 0 is not 1..255');
    expect(() => checkKindTable({ 'a.x': { code: 256 } })).toThrow('kind a.x: code 256 is not 1..255');
    expect(() => checkKindTable({ 'a.x': { code: 3 }, 'b.y': { code: 2 } })).toThrow(
      'kind b.y (code 0x02) is listed after a higher code',
    );
  });

  it('is listed in the README trace-format table exactly as declared (code, kind, record)', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| (0x[0-9a-f]{2}) \| ([a-z.]+) +\| (.+?) +\|$/gm)].map((m) => m.slice(1, 4));
    const record = (fields: Readonly<Record<string, string>>): string => {
      const parts = ['seq', 'tNs'];
      for (const [name, type] of Object.entries(fields)) {
        if (type === 'string') parts.push(name);
        else if (type === 'time' || type === 'fraction') parts.push(`${name} f64`);
        else if (type === 'string-list') parts.push(`n u16, n × ${name.replace(/s$/, '')}`);
        else if (type === 'field-values') parts.push('n u16, n × {field name, value u32}');
        else parts.push(`${name} ${type}`);
      }
      return parts.join(', ');
    };
    expect(rows).toEqual(
      TRACE_KINDS.map((k) => [
        `0x${TRACE_KIND_TABLE[k].code.toString(16).padStart(2, '0')}`,
        k,
        record(TRACE_KIND_TABLE[k].fields),
      ]),
    );
  });
});
