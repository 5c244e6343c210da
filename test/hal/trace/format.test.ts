import { describe, expect, it } from 'vitest';
import { toCsv, csvQuote, CSV_COLUMNS } from '../../../hal/trace/csv.js';
import type { TraceEvent } from '../../../hal/trace/events.js';
import { formatEventLine, renderText, toJson } from '../../../hal/trace/format.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampleTraceEvents, systemRunEvents } from '../../fixtures/traces/sample-trace.js';

const write: TraceEvent = {
  seq: 12,
  tNs: 1200,
  kind: 'mmio.write',
  address: 0x4c000050,
  value: 0x11,
  block: 'emif1',
  register: 'LPDDR2_MODE_REG_CONFIG',
  fields: { CS: 0, REFRESH_EN: 0, ADDRESS: 0x11 },
};
const mrw: TraceEvent = {
  seq: 13,
  tNs: 1250,
  kind: 'dram.mrw',
  die: 'emif1.cs0',
  mr: 17,
  value: 0xf0,
  register: 'MR17',
};

/** Minimal RFC 4180 reader (quoted fields, doubled quotes, CRLF) to check what toCsv writes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
    i++;
  }
  expect(field).toBe('');
  expect(row).toEqual([]);
  return rows;
}

describe('trace text rendering', () => {
  it('prints an MMIO write with its register and decoded fields', () => {
    expect(formatEventLine(write)).toBe(
      '      1200 ns  #12 mmio.write emif1 LPDDR2_MODE_REG_CONFIG = 0x00000011 (CS=0 REFRESH_EN=0 ADDRESS=0x11)',
    );
  });

  it('prints a mode-register write as die, MR and value', () => {
    expect(formatEventLine(mrw)).toBe('      1250 ns  #13 dram.mrw emif1.cs0 MR17 = 0xf0');
  });

  it('prints every other kind on one line', () => {
    const lines = renderText([
      { seq: 1, tNs: 18.75, kind: 'mmio.read', address: 0x1_4c00_0040, value: 3, block: 'emif1', register: '?' },
      { seq: 2, tNs: 2, kind: 'dram.mrr', die: 'emif1.cs0', mr: 8, value: 0x14, register: 'MR8' },
      { seq: 3, tNs: 3, kind: 'dram.mrw', die: 'ddrc.rank0', mr: 23, value: 0x0f, register: 'PASR_SEG' },
      {
        seq: 4,
        tNs: 4,
        kind: 'dram.sr.enter',
        die: 'emif1.cs0',
        bankMask: 0,
        segmentMask: 0xf0,
        refreshedFraction: 0.5,
      },
      { seq: 5, tNs: 5, kind: 'dram.sr.exit', die: 'emif1.cs0', durationNs: 1000, poisonedPages: 32768 },
      { seq: 6, tNs: 6, kind: 'guest.error', source: 'emif1.cs1', message: 'MRW to read-only MR5' },
    ]).split('\n');
    expect(lines).toEqual([
      '     18.75 ns  #1 mmio.read emif1 ?@0x14c000040 -> 0x00000003',
      '         2 ns  #2 dram.mrr emif1.cs0 MR8 -> 0x14',
      '         3 ns  #3 dram.mrw ddrc.rank0 MR23 PASR_SEG = 0x0f',
      '         4 ns  #4 dram.sr.enter emif1.cs0 bankMask=0x00 segmentMask=0xf0 refreshed=50%',
      '         5 ns  #5 dram.sr.exit emif1.cs0 after 1000 ns, 32768 pages poisoned',
      '         6 ns  #6 guest.error emif1.cs1: MRW to read-only MR5',
      '',
    ]);
  });

  it('renders nothing for no events', () => {
    expect(renderText([])).toBe('');
  });
});

describe('trace JSON', () => {
  it('is an array of events {seq, tNs, kind, ...} with the events.ts fields', () => {
    const parsed = JSON.parse(toJson([write, mrw])) as Record<string, unknown>[];
    expect(parsed).toEqual([
      {
        seq: 12,
        tNs: 1200,
        kind: 'mmio.write',
        address: 0x4c000050,
        value: 0x11,
        block: 'emif1',
        register: 'LPDDR2_MODE_REG_CONFIG',
        fields: { CS: 0, REFRESH_EN: 0, ADDRESS: 0x11 },
      },
      { seq: 13, tNs: 1250, kind: 'dram.mrw', die: 'emif1.cs0', mr: 17, value: 0xf0, register: 'MR17' },
    ]);
    expect(Object.keys(parsed[0]!).slice(0, 3)).toEqual(['seq', 'tNs', 'kind']);
  });

  it('writes one event per line and an empty array for no events', () => {
    expect(toJson(sampleTraceEvents()).split('\n').length).toBe(sampleTraceEvents().length + 3);
    expect(toJson([])).toBe('[]\n');
    expect(JSON.parse(toJson(sampleTraceEvents()))).toHaveLength(sampleTraceEvents().length);
  });
});

describe('trace CSV (RFC 4180)', () => {
  it('has a header row and one CRLF-terminated row per event', () => {
    const text = toCsv([write, mrw]);
    expect(text.split('\r\n')[0]).toBe(CSV_COLUMNS.join(','));
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(text);
    expect(rows).toHaveLength(3);
    const obj = (r: string[]): Record<string, string> => Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, r[i]!]));
    expect(obj(rows[1]!)).toMatchObject({
      seq: '12',
      tNs: '1200',
      kind: 'mmio.write',
      source: 'emif1',
      register: 'LPDDR2_MODE_REG_CONFIG',
      address: '0x4c000050',
      value: '0x00000011',
      fields: 'CS=0 REFRESH_EN=0 ADDRESS=0x11',
      mr: '',
    });
    expect(obj(rows[2]!)).toMatchObject({
      kind: 'dram.mrw',
      source: 'emif1.cs0',
      register: 'MR17',
      mr: '17',
      value: '0xf0',
      address: '',
    });
  });

  it('quotes commas, quotes and line breaks, and leaves other values bare', () => {
    expect(csvQuote('plain text')).toBe('plain text');
    expect(csvQuote('a,b')).toBe('"a,b"');
    expect(csvQuote('say "hi"')).toBe('"say ""hi"""');
    expect(csvQuote('two\nlines')).toBe('"two\nlines"');
    expect(csvQuote('cr\rhere')).toBe('"cr\rhere"');
    const hostile: TraceEvent = {
      seq: 1,
      tNs: 0,
      kind: 'guest.error',
      source: 'emif1,cs0',
      message: 'bad "MRW",\r\nnext line',
    };
    const rows = parseCsv(toCsv([hostile]));
    expect(rows[1]![CSV_COLUMNS.indexOf('source')]).toBe('emif1,cs0');
    expect(rows[1]![CSV_COLUMNS.indexOf('message')]).toBe('bad "MRW",\r\nnext line');
    expect(rows[1]).toHaveLength(CSV_COLUMNS.length);
  });

  it('gives every row of the sample trace the same number of columns', () => {
    for (const r of parseCsv(toCsv(sampleTraceEvents()))) expect(r).toHaveLength(CSV_COLUMNS.length);
  });
});

describe('system-run events in text, JSON and CSV', () => {
  const run: TraceEvent[] = [
    {
      seq: 1,
      tNs: 10,
      kind: 'pasr.mask',
      unit: 7,
      register: 'MR17',
      bit: 7,
      dies: ['emif1.cs0', 'emif2.cs0'],
      pages: 16384,
      policy: 'balloon',
    },
    { seq: 2, tNs: 20, kind: 'pasr.unmask', unit: 3, register: 'MR16', bit: 3, dies: [], pages: 0, policy: 'shrinker' },
    { seq: 3, tNs: 30, kind: 'sys.suspend', reason: 'idle' },
    { seq: 4, tNs: 40.5, kind: 'sys.resume', durationNs: 5e9, wakeSource: 'rtc' },
    { seq: 5, tNs: 50, kind: 'policy.decision', policy: 'balloon', action: 'inflate', detail: 'free 98304 > high' },
    { seq: 6, tNs: 60, kind: 'policy.decision', policy: 'hotplug', action: 'skip', detail: '' },
    { seq: 7, tNs: 70, kind: 'mm.batch', mechanism: 'migrate', pages: 512, costNs: 614400.25 },
  ];

  it('prints each on one readable line', () => {
    expect(renderText(run).split('\n')).toEqual([
      '        10 ns  #1 pasr.mask unit 7 (MR17 bit 7 on emif1.cs0+emif2.cs0): 16384 pages, by balloon',
      '        20 ns  #2 pasr.unmask unit 3 (MR16 bit 3 on no die): 0 pages, by shrinker',
      '        30 ns  #3 sys.suspend (idle)',
      '      40.5 ns  #4 sys.resume after 5000000000 ns, woken by rtc',
      '        50 ns  #5 policy.decision balloon inflate: free 98304 > high',
      '        60 ns  #6 policy.decision hotplug skip',
      '        70 ns  #7 mm.batch migrate 512 pages, cost 614400.25 ns',
      '',
    ]);
  });

  it('matches the system-run example of the README', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8');
    const shown = readme
      .split('\n')
      .filter((l) => /^ {4} *\d[\d.]* ns {2}#\d+ (pasr|sys|policy|mm)\./.test(l))
      .map((l) => l.slice(4));
    expect(shown.length).toBeGreaterThanOrEqual(5);
    const lines = renderText(systemRunEvents()).split('\n');
    for (const l of shown) expect(lines).toContain(l);
  });

  it('gives JSON objects {seq, tNs, kind, ...} with the declared fields in order, dies as an array', () => {
    const parsed = JSON.parse(toJson(run)) as Record<string, unknown>[];
    expect(parsed).toEqual(run);
    expect(Object.keys(parsed[0]!)).toEqual([
      'seq',
      'tNs',
      'kind',
      'unit',
      'register',
      'bit',
      'dies',
      'pages',
      'policy',
    ]);
    expect(Object.keys(parsed[3]!)).toEqual(['seq', 'tNs', 'kind', 'durationNs', 'wakeSource']);
    expect(Object.keys(parsed[6]!)).toEqual(['seq', 'tNs', 'kind', 'mechanism', 'pages', 'costNs']);
  });

  it('appends their CSV columns after the register-trace columns, which keep their order', () => {
    expect(CSV_COLUMNS.slice(0, 15)).toEqual([
      'seq',
      'tNs',
      'kind',
      'source',
      'register',
      'address',
      'mr',
      'value',
      'fields',
      'bankMask',
      'segmentMask',
      'refreshedFraction',
      'durationNs',
      'poisonedPages',
      'message',
    ]);
    const rows = parseCsv(toCsv(run));
    for (const r of rows) expect(r).toHaveLength(CSV_COLUMNS.length);
    const obj = (r: string[]): Record<string, string> =>
      Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, r[i]!]).filter(([, v]) => v !== ''));
    expect(rows.slice(1).map(obj)).toEqual([
      {
        seq: '1',
        tNs: '10',
        kind: 'pasr.mask',
        register: 'MR17',
        unit: '7',
        bit: '7',
        dies: 'emif1.cs0 emif2.cs0',
        pages: '16384',
        policy: 'balloon',
      },
      {
        seq: '2',
        tNs: '20',
        kind: 'pasr.unmask',
        register: 'MR16',
        unit: '3',
        bit: '3',
        pages: '0',
        policy: 'shrinker',
      },
      { seq: '3', tNs: '30', kind: 'sys.suspend', reason: 'idle' },
      { seq: '4', tNs: '40.5', kind: 'sys.resume', durationNs: '5000000000', wakeSource: 'rtc' },
      {
        seq: '5',
        tNs: '50',
        kind: 'policy.decision',
        policy: 'balloon',
        action: 'inflate',
        detail: 'free 98304 > high',
      },
      { seq: '6', tNs: '60', kind: 'policy.decision', policy: 'hotplug', action: 'skip' },
      { seq: '7', tNs: '70', kind: 'mm.batch', mechanism: 'migrate', pages: '512', costNs: '614400.25' },
    ]);
  });

  it('quotes a decision detail with commas and quotes', () => {
    const e: TraceEvent = {
      seq: 1,
      tNs: 0,
      kind: 'policy.decision',
      policy: 'balloon',
      action: 'deflate',
      detail: 'pressure, "low" watermark',
    };
    const rows = parseCsv(toCsv([e]));
    expect(rows[1]![CSV_COLUMNS.indexOf('detail')]).toBe('pressure, "low" watermark');
  });
});
