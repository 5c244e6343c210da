import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatProblem, parseBoardConfig } from '../../../hal/board/load-board.js';
import type { BoardConfig } from '../../../hal/board/board-config.js';
import { parseQuantity } from '../../../hal/board/quantity.js';
import { formatPath } from '../../../hal/board/board-problem.js';

const BOARDS = join(import.meta.dirname, '../../../board-configs');
const GiB = 2 ** 30;
const MiB = 2 ** 20;

function load(name: string): BoardConfig {
  const r = parseBoardConfig(readFileSync(join(BOARDS, `${name}.json`), 'utf8'), `board-configs/${name}.json`);
  if (!r.ok) throw new Error(r.problems.map((p) => formatProblem(`${name}.json`, p)).join('\n'));
  return r.board;
}

const boardFiles = readdirSync(BOARDS).filter((f) => f.endsWith('.json') && f !== 'board.schema.json');

describe('shipped boards', () => {
  it('ships the six boards the project promises (and any board added next to them)', () => {
    expect(boardFiles.map((f) => f.replace(/\.json$/, ''))).toEqual(
      expect.arrayContaining(['imx6sl-evk', 'imx8mm-evk', 'imx8mp-evk', 'lp4x-quad-16g', 'pandaboard-es', 'snowball']),
    );
  });

  for (const f of boardFiles) {
    const name = f.replace(/\.json$/, '');
    it(`${name}: parses, names the schema, cites sources and lists unverified values`, () => {
      const text = readFileSync(join(BOARDS, f), 'utf8');
      expect((JSON.parse(text) as { $schema: string }).$schema).toBe('./board.schema.json');
      const b = load(name);
      expect(b.name).toBe(name);
      expect(b.file).toBe(`board-configs/${f}`);
      expect(b.sources.length).toBeGreaterThan(0);
      expect(b.unverified.length).toBeGreaterThan(0);
      expect(b.dies.reduce((s, d) => s + d.sizeBytes!, 0)).toBe(b.dramSize);
      expect(b.kernel.pageSize).toBe(4096);
      expect(b.kernel.maxOrder).toBe(10);
    });
  }

  it('pandaboard-es: 2 EMIF x 2 CS of Elpida 2 Gb x32, 1 GiB at 0x80000000, 128-byte EMIF interleave', () => {
    const b = load('pandaboard-es');
    expect(b.standard).toBe('LPDDR2-S4');
    expect([b.dramBase, b.dramSize]).toEqual([0x80000000, GiB]);
    expect(b.dies.map((d) => d.id)).toEqual(['emif1.cs0', 'emif1.cs1', 'emif2.cs0', 'emif2.cs1']);
    expect(b.dies.map((d) => [d.controller, d.rank, d.sizeBytes, d.part.name])).toEqual([
      ['emif1', 0, 256 * MiB, 'elpida-ECB240ABACN'],
      ['emif1', 1, 256 * MiB, 'elpida-ECB240ABACN'],
      ['emif2', 0, 256 * MiB, 'elpida-ECB240ABACN'],
      ['emif2', 1, 256 * MiB, 'elpida-ECB240ABACN'],
    ]);
    expect(b.dies[0]!.part).toMatchObject({ densityMbit: 2048, ioWidth: 32, mr5: 3, mr8: 0x14 });
    expect(b.controllers.map((c) => [c.id, c.kind, c.base, c.registers.SDRAM_CONFIG])).toEqual([
      ['emif1', 'ti-emif', 0x4c000000, 0x80001ab9],
      ['emif2', 'ti-emif', 0x4d000000, 0x80001ab9],
    ]);
    expect(b.controllers[0]!.blocks.dmm).toEqual({ base: 0x4e000000, registers: { LISA_MAP_3: 0x80640300 } });
    // Explicit bits, checked against SDRAM_CONFIG + LISA_MAP_3.
    expect(b.addressMap.source).toBe('both');
    expect(b.addressMap.controllers).toEqual(['emif1', 'emif2']);
    expect(b.addressMap.bits).toMatchObject({ controller: [7], rank: [15], bank: [12, 13, 14], byte: [0, 1] });
    expect(b.addressMap.bits.row).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
    expect(b.pasr).toEqual({
      sectionBytes: 128 * MiB,
      maskRegister: 'MR17',
      interleave: [['emif1.cs0', 'emif1.cs1', 'emif2.cs0', 'emif2.cs1']],
    });
    expect(b.kernel.zones).toEqual([{ name: 'Normal', end: 0xb0000000 }]);
    expect(b.kernel.movableBytes).toBe(256 * MiB);
  });

  it('imx6sl-evk: MMDC with 2 CS x 4 Gb x32, CS1 on address bit 29 from MDASP', () => {
    const b = load('imx6sl-evk');
    expect([b.dramBase, b.dramSize]).toEqual([0x80000000, GiB]);
    expect(b.dies.map((d) => [d.id, d.sizeBytes])).toEqual([
      ['mmdc.cs0', 512 * MiB],
      ['mmdc.cs1', 512 * MiB],
    ]);
    expect(b.controllers[0]).toMatchObject({ id: 'mmdc', kind: 'fsl-mmdc', base: 0x021b0000 });
    expect(b.controllers[0]!.registers).toMatchObject({
      MDCTL: 0xc3110000,
      MDMISC: 0x1688,
      MDASP: 0x4f,
      MAPSR: 0x11006,
    });
    expect(b.addressMap.source).toBe('both');
    expect(b.addressMap.bits).toMatchObject({
      rank: [29],
      bank: [12, 13, 14],
      column: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    });
    expect(b.pasr).toEqual({ sectionBytes: 64 * MiB, maskRegister: 'MR17', interleave: [] });
  });

  it('imx8mm-evk: one uMCTL2 rank, one die per x16 channel, address map derived from ADDRMAP', () => {
    const b = load('imx8mm-evk');
    expect([b.standard, b.dramBase, b.dramSize]).toEqual(['LPDDR4', 0x40000000, 2 * GiB]);
    expect(b.dies.map((d) => [d.id, d.rank, d.channel, d.chips, d.sizeBytes])).toEqual([
      ['ddrc.rank0.cha', 0, 'a', 1, GiB],
      ['ddrc.rank0.chb', 0, 'b', 1, GiB],
    ]);
    expect(b.controllers[0]).toMatchObject({
      id: 'ddrc',
      kind: 'snps-umctl2',
      base: 0x3d400000,
      busWidth: 32,
      channels: ['a', 'b'],
    });
    expect(b.controllers[0]!.blocks.perf!.base).toBe(0x3d800000);
    expect(b.controllers[0]!.registers.MSTR).toBe(0xa1080020);
    expect(b.addressMap.source).toBe('registers');
    expect(b.addressMap.channels).toEqual(['a', 'b']);
    expect(b.addressMap.bits).toEqual({
      controller: [],
      channel: [1],
      rank: [],
      bank: [12, 13, 14],
      row: [15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30],
      column: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      byte: [0],
    });
    expect(b.pasr.interleave).toEqual([['ddrc.rank0.cha', 'ddrc.rank0.chb']]);
    expect(b.kernel.zones).toEqual([{ name: 'DMA', end: 0xa0000000 }]);
    expect(b.kernel.pageblockOrder).toBe(9);
  });

  it('snowball: PRCMU mailbox board with the RFC 64 MiB sections and one interleave pair', () => {
    const b = load('snowball');
    expect([b.dramBase, b.dramSize]).toEqual([0, 512 * MiB]);
    expect(b.dies.map((d) => [d.id, d.controller, d.rank, d.sizeBytes])).toEqual([
      ['prcmu.cs0', 'prcmu', 0, 256 * MiB],
      ['prcmu.cs1', 'prcmu', 1, 256 * MiB],
    ]);
    expect(b.controllers[0]).toMatchObject({ kind: 'ste-prcmu', base: 0x80157000 });
    expect(b.addressMap.source).toBe('config');
    expect(b.addressMap.bits.rank).toEqual([25]);
    expect(b.addressMap.bits.row.slice(-3)).toEqual([26, 27, 28]);
    expect(b.pasr).toEqual({ sectionBytes: 64 * MiB, maskRegister: 'MR17', interleave: [['prcmu.cs0', 'prcmu.cs1']] });
    expect(b.kernel.memoryBlockBytes).toBe(64 * MiB);
  });

  it('imx8mp-evk: two ranks x two channels of 12 Gb-per-channel dies, 6 GiB, chip select on address bit 30', () => {
    const b = load('imx8mp-evk');
    expect([b.dramBase, b.dramSize]).toEqual([0x40000000, 6 * GiB]);
    expect(b.dies.map((d) => [d.id, d.rank, d.channel, d.sizeBytes])).toEqual([
      ['ddrc.rank0.cha', 0, 'a', 1.5 * GiB],
      ['ddrc.rank0.chb', 0, 'b', 1.5 * GiB],
      ['ddrc.rank1.cha', 1, 'a', 1.5 * GiB],
      ['ddrc.rank1.chb', 1, 'b', 1.5 * GiB],
    ]);
    expect(b.dies[0]!.part).toMatchObject({ densityMbit: 12288, ioWidth: 16, mr8: 0x14 });
    expect(b.addressMap.source).toBe('both');
    expect(b.addressMap.bits).toMatchObject({ rank: [30], channel: [1], byte: [0] });
    expect(b.addressMap.bits.row.slice(-3)).toEqual([29, 31, 32]);
    expect(b.pasr.interleave).toEqual([
      ['ddrc.rank0.cha', 'ddrc.rank0.chb'],
      ['ddrc.rank1.cha', 'ddrc.rank1.chb'],
    ]);
    expect(b.addressMap.regions).toEqual([]);
    expect(b.kernel.zones).toEqual([
      { name: 'DMA', end: 0x100000000 },
      { name: 'Normal', end: 0x180000000 },
    ]);
    expect(b.kernel.cma).toEqual([{ name: 'linux,cma', base: 0xc4000000, size: 0x3c000000 }]);
    expect(b.pasr.sectionBytes).toBe(512 * MiB);
  });

  it('lp4x-quad-16g: 4 controllers x 2 channels x 2 ranks = 16 dies of 1 GiB, two interleave groups of 8', () => {
    const b = load('lp4x-quad-16g');
    expect([b.standard, b.dramBase, b.dramSize]).toEqual(['LPDDR4X', 0x40000000, 16 * GiB]);
    expect(b.dies).toHaveLength(16);
    expect(b.dies.every((d) => d.sizeBytes === GiB && d.chips === 1)).toBe(true);
    expect(b.dies.slice(0, 4).map((d) => d.id)).toEqual([
      'ddrc0.rank0.cha',
      'ddrc0.rank0.chb',
      'ddrc0.rank1.cha',
      'ddrc0.rank1.chb',
    ]);
    expect(b.dies[15]).toMatchObject({ id: 'ddrc3.rank1.chb', controller: 'ddrc3', rank: 1, channel: 'b' });
    expect(b.controllers.map((c) => c.base)).toEqual([0x3d400000, 0x3d500000, 0x3d600000, 0x3d700000]);
    expect(b.addressMap).toMatchObject({
      source: 'config',
      channels: ['a', 'b'],
      controllers: ['ddrc0', 'ddrc1', 'ddrc2', 'ddrc3'],
    });
    expect(b.addressMap.bits).toMatchObject({ channel: [6], controller: [7, 8], rank: [33] });
    expect(b.pasr.interleave.map((g) => g.length)).toEqual([8, 8]);
    expect(b.pasr.sectionBytes).toBe(GiB);
  });
});

describe('parseBoardConfig details', () => {
  const panda = readFileSync(join(BOARDS, 'pandaboard-es.json'), 'utf8');

  it('derives the address map from the registers when addressMap is omitted', () => {
    const text = panda.replace(/ {2}"addressMap": \{[\s\S]*?\n {2}\},\n/, '');
    const r = parseBoardConfig(text, 'p.json');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.board.addressMap.source).toBe('registers');
    expect(r.board.addressMap.bits.controller).toEqual([7]);
    expect(r.board.addressMap.bits.column).toEqual([2, 3, 4, 5, 6, 8, 9, 10, 11]);
  });

  it('fills defaults: temperature 45 °C, bus width 32, no channels, no CMA, no swap, 1 CPU', () => {
    const text = panda
      .replace('"temperatureC": 45,\n', '')
      .replace(/"busWidth": 32,\n\s*/g, '')
      .replace(/"cma": \[[^\]]*\],\n\s*/, '')
      .replace(/,\n\s*"kernel\.cma [^"]*"/, '')
      .replace('"swapBytes": 0,\n', '')
      .replace('"nrCpus": 2,\n', '')
      .replace(',\n    "costs": {}', '');
    const r = parseBoardConfig(text, 'p.json');
    if (!r.ok) throw new Error(r.problems.map((p) => formatProblem('p.json', p)).join('\n'));
    expect(r.board.temperatureC).toBe(45);
    expect(r.board.controllers.map((c) => [c.busWidth, c.channels])).toEqual([
      [32, []],
      [32, []],
    ]);
    expect(r.board.kernel).toMatchObject({ cma: [], swapBytes: 0, nrCpus: 1, costs: {} });
  });

  it('accepts sizes as hex, integers and binary units alike', () => {
    for (const size of ['"0x40000000"', '1073741824', '"1GiB"', '"1024MiB"', '"1048576KiB"']) {
      const r = parseBoardConfig(panda.replace('"size": "1GiB"', `"size": ${size}`), 'p.json');
      expect(r.ok && r.board.dramSize, size).toBe(GiB);
    }
  });

  it('formats problems as FILE:LINE:COL: json.path: message', () => {
    expect(
      formatProblem('my-board.json', {
        line: 12,
        col: 5,
        path: 'controllers[0].dies[1].part',
        message: 'unknown part "x"',
      }),
    ).toBe('my-board.json:12:5: controllers[0].dies[1].part: unknown part "x"');
    expect(formatPath([])).toBe('$');
    expect(formatPath(['dram', 'parts', 'elpida-ECB240ABACN', 'mr8'])).toBe('dram.parts.elpida-ECB240ABACN.mr8');
    expect(formatPath(['controllers', 0, 'registers', 'a.b'])).toBe('controllers[0].registers["a.b"]');
  });

  it('parses quantities and rejects what does not fit', () => {
    expect(parseQuantity('0x1c0000000')).toEqual({ ok: true, value: 0x1c0000000 });
    expect(parseQuantity('64MiB')).toEqual({ ok: true, value: 64 * MiB });
    expect(parseQuantity(4096)).toEqual({ ok: true, value: 4096 });
    expect(parseQuantity('999999999999999TiB')).toEqual({
      ok: false,
      message: 'out of range: 999999999999999TiB is not a safe non-negative integer',
    });
    expect(parseQuantity('300TiB')).toEqual({
      ok: false,
      message: 'out of range: 300TiB is above 2^48, the physical address limit',
    });
    expect(parseQuantity('0xZZ')).toEqual({ ok: false, message: 'bad hex: "0xZZ"' });
  });
});

describe('board.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(BOARDS, 'board.schema.json'), 'utf8')) as Record<string, unknown>;

  it('describes every property, so editors show help on each', () => {
    const missing: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      const props = n.properties as Record<string, Record<string, unknown>> | undefined;
      for (const [k, v] of Object.entries(props ?? {})) {
        const ref =
          typeof v.$ref === 'string'
            ? ((schema.definitions as Record<string, Record<string, unknown>>)[v.$ref.split('/').pop()!] ?? {})
            : {};
        if (typeof v.description !== 'string' && typeof ref.description !== 'string') missing.push(`${path}.${k}`);
        walk(v, `${path}.${k}`);
      }
      for (const key of ['items', 'additionalProperties']) walk(n[key], `${path}[]`);
    };
    walk(schema, '$');
    for (const [name, def] of Object.entries(schema.definitions as Record<string, unknown>)) walk(def, `#${name}`);
    expect(missing).toEqual([]);
  });
});
