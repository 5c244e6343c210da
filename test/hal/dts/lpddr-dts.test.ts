import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BoardConfig } from '../../../hal/board/board-config.js';
import { formatProblem, parseBoardConfig } from '../../../hal/board/load-board.js';
import { boardSkeleton, formatConfigJson } from '../../../hal/dts/board-skeleton.js';
import { boardToDts } from '../../../hal/dts/board-to-dts.js';
import { parseDts } from '../../../hal/dts/dts-parser.js';
import { DtsError } from '../../../hal/dts/dts-tree.js';
import { readLpddrTopology, type TopologyOptions } from '../../../hal/dts/lpddr-topology.js';

const ROOT = join(import.meta.dirname, '../../..');
const FIXTURES = join(ROOT, 'test/fixtures/dts');

function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** DTS text -> validated board config, as `pasr boards from-dts` builds it. */
function fromDts(text: string, file: string, options: TopologyOptions = {}) {
  const tree = parseDts(text, file, {
    include: (inc, from) => ({ file: inc, text: readFileSync(join(FIXTURES, dirname(from), inc), 'utf8') }),
  });
  const topology = readLpddrTopology(tree, options);
  const skeleton = boardSkeleton(topology, { name: 'from-dts', source: file });
  const r = parseBoardConfig(formatConfigJson(skeleton.config), 'from-dts.json');
  if (!r.ok) throw new Error(r.problems.map((p) => formatProblem('from-dts.json', p)).join('\n'));
  return { board: r.board, skeleton, topology };
}

function errorOf(text: string, file: string): string {
  try {
    fromDts(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(DtsError);
    return (e as Error).message;
  }
  throw new Error('converted without an error');
}

const dieSummary = (b: BoardConfig) =>
  b.dies.map((d) => ({
    controller: d.controller,
    rank: d.rank,
    channel: d.channel,
    chips: d.chips,
    sizeBytes: d.sizeBytes,
    part: {
      densityMbit: d.part.densityMbit,
      ioWidth: d.part.ioWidth,
      mr: [d.part.mr5, d.part.mr6, d.part.mr7, d.part.mr8],
    },
  }));

describe('from-dts: the Linux binding examples', () => {
  it('jedec,lpddr2: Elpida ECB240ABACN is MR5 3 (Elpida), MR6/MR7 from revision-id, MR8 0x14, timings of the 400 MHz bin', () => {
    const { board, skeleton } = fromDts(fixture('jedec-lpddr2.dts'), 'jedec-lpddr2.dts');
    expect(board.standard).toBe('LPDDR2-S4');
    const p = board.dies[0]!.part;
    expect(p.name).toBe('elpida-ECB240ABACN');
    expect([p.mr5, p.mr6, p.mr7, p.mr8]).toEqual([3, 1, 0, 0x14]);
    // tCK 2.5 ns (400 MHz); tSR = max(tCKESR 15 ns, 3 tCK); ZQ timings from ps.
    expect(p.timings).toEqual({ tCK: 2.5, tSR: 15, tZQCS: 90, tZQCL: 360, tZQINIT: 1000 });
    expect(board.dies).toHaveLength(1);
    expect(board.dramSize).toBe(256 * 2 ** 20);
    // No memory node: the base is a placeholder, and says so.
    expect(skeleton.fillIn.map((f) => f.path)).toContain('dram.base');
  });

  it('jedec,lpddr3: Samsung K3QF2F20DB, MR5 from the vendor prefix, tMRD/tRFC/tXSR with their -min-tck floors', () => {
    const { board, skeleton } = fromDts(fixture('jedec-lpddr3.dts'), 'jedec-lpddr3.dts');
    const p = board.dies[0]!.part;
    expect(board.standard).toBe('LPDDR3');
    expect([p.mr5, p.mr8]).toEqual([1, 0x23]);
    // 800 MHz: tCK 1.25 ns; tMRD max(7 ns, 5 tCK = 6.25) = 7; tRFC max(65, 17 tCK = 21.25) = 65; tXSR max(70, 15) = 70.
    expect(p.timings).toMatchObject({ tCK: 1.25, tMRD: 7, tRFCab: 65, tXSR: 70, tSR: 3.75 });
    expect(skeleton.fillIn.map((f) => f.path)).toEqual(
      expect.arrayContaining(['dram.parts.samsung-K3QF2F20DB.mr6', 'dram.parts.samsung-K3QF2F20DB.mr7']),
    );
  });

  it('jedec,lpddr4: "lpddr4-ff,0100" is Micron (MR5 0xff), MR6 1, MR7 0, and 8192 Mbit x16 is MR8 0x10', () => {
    const { board } = fromDts(fixture('jedec-lpddr4.dts'), 'jedec-lpddr4.dts');
    const p = board.dies[0]!.part;
    expect(p.name).toBe('lpddr4-ff-0100-8gb-x16');
    expect([p.mr5, p.mr6, p.mr7, p.mr8]).toEqual([0xff, 1, 0, 0x10]);
  });

  it('jedec,lpddr5: the example x8 part is refused, naming the density and width at their place', () => {
    expect(errorOf(fixture('jedec-lpddr5.dts'), 'jedec-lpddr5.dts')).toBe(
      'jedec-lpddr5.dts:9:9: /lpddr: density <8192> io-width <8>: LPDDR5 has no x8 part of 8 Gb (8192 Mbit); widths at that density: x16',
    );
  });

  it('jedec,lpddr-channel: the example mixes an LPDDR3 and an LPDDR4 channel, and a board has one standard', () => {
    expect(errorOf(fixture('jedec-lpddr-channel.dts'), 'jedec-lpddr-channel.dts')).toBe(
      'jedec-lpddr-channel.dts:30:9: /lpddr-channel1/rank@0 is LPDDR4, but /lpddr-channel0/rank@0 is LPDDR3: a board has one DRAM standard',
    );
  });

  it('its LPDDR3 channel alone: two x16 chips share the 32-bit channel, one 2 GiB die', () => {
    const { board } = fromDts(fixture('lpddr3-channel.dts'), 'lpddr3-channel.dts');
    expect(dieSummary(board)).toEqual([
      {
        controller: 'ddrc',
        rank: 0,
        channel: undefined,
        chips: 2,
        sizeBytes: 2 ** 31,
        part: { densityMbit: 8192, ioWidth: 16, mr: [0xff, 1, 0, 0x5f] },
      },
    ]);
  });
});

describe('from-dts: PandaBoard (omap4 EMIFs with device-handle)', () => {
  const { board, skeleton } = fromDts(fixture('omap4-panda.dts'), 'omap4-panda.dts');
  const shipped = parseBoardConfig(
    readFileSync(join(ROOT, 'board-configs/pandaboard-es.json'), 'utf8'),
    'board-configs/pandaboard-es.json',
  );

  it('finds the two EMIFs at their translated addresses, CS0 and CS1 each, as the shipped board has them', () => {
    if (!shipped.ok) throw new Error('shipped board does not load');
    expect(board.controllers.map((c) => [c.id, c.kind, c.base])).toEqual([
      ['emif1', 'ti-emif', 0x4c000000],
      ['emif2', 'ti-emif', 0x4d000000],
    ]);
    expect(board.dies.map((d) => d.id)).toEqual(shipped.board.dies.map((d) => d.id));
    expect(dieSummary(board)).toEqual(dieSummary(shipped.board));
    expect([board.dramBase, board.dramSize]).toEqual([shipped.board.dramBase, shipped.board.dramSize]);
    expect(skeleton.fillIn.map((f) => f.path)).not.toContain('controllers.0.kind');
  });

  it('takes the reusable reserved-memory pools as CMA and the CPU count from /cpus', () => {
    expect(board.kernel.cma).toEqual([
      { name: 'dsp-memory', base: 0x98000000, size: 8 * 2 ** 20 },
      { name: 'ipu-memory', base: 0x98800000, size: 112 * 2 ** 20 },
    ]);
    expect(board.kernel.nrCpus).toBe(2);
  });
});

describe('from-dts: problems with the devicetree', () => {
  it('a memory node that disagrees with the dies', () => {
    expect(errorOf(fixture('bad/memory-mismatch.dts'), 'bad/memory-mismatch.dts')).toBe(
      'bad/memory-mismatch.dts:9:3: /memory@40000000: reg gives 2 GiB of memory, but the 1 LPDDR dies hold 1 GiB',
    );
  });

  it('a density the standard does not have', () => {
    expect(errorOf(fixture('bad/density-not-in-table.dts'), 'bad/density-not-in-table.dts')).toMatch(
      /^bad\/density-not-in-table\.dts:11:3: \/lpddr: density <1024> io-width <16>: LPDDR4 has no 1024 Mbit density/,
    );
  });

  it('ids that disagree between the compatible and revision-id', () => {
    const text = `/dts-v1/; / { lpddr { compatible = "lpddr4-ff,0100", "jedec,lpddr4"; density = <8192>; io-width = <16>;
      revision-id = <2 0>; }; };`;
    expect(errorOf(text, 'x.dts')).toBe(
      'x.dts:2:7: /lpddr: revision-id gives MR6 0x02, but compatible "lpddr4-ff,0100" gives 0x01',
    );
  });

  it('a rank whose standard is not its channel’s, a channel too narrow for its chips', () => {
    const rank = (compat: string, width: number) => `/dts-v1/; / { ch { compatible = "jedec,lpddr4-channel";
      #address-cells = <1>; #size-cells = <0>; io-width = <${width}>;
      rank@0 { compatible = "${compat}"; reg = <0>; density = <8192>; io-width = <16>; }; }; };`;
    expect(errorOf(rank('lpddr3-ff,0100", "jedec,lpddr3', 16), 'x.dts')).toBe(
      'x.dts:3:16: /ch/rank@0: a LPDDR3 rank in a jedec,lpddr4-channel',
    );
    expect(errorOf(rank('lpddr4-ff,0100", "jedec,lpddr4', 8), 'x.dts')).toBe(
      'x.dts:2:48: /ch: io-width <8> is not a multiple of the x16 chips of /ch/rank@0',
    );
  });

  it('no LPDDR nodes at all', () => {
    expect(errorOf('/dts-v1/; / { };', 'x.dts')).toBe(
      'x.dts:1:1: no LPDDR nodes: expected jedec,lpddr2/3/4/5 parts or jedec,lpddrN-channel nodes with rank@N children',
    );
  });
});

describe('to-dts then from-dts gives back every shipped board', () => {
  const files = readdirSync(join(ROOT, 'board-configs')).filter((f) => f.endsWith('.json') && !f.includes('schema'));
  for (const f of files) {
    it(f.replace('.json', ''), () => {
      const r = parseBoardConfig(readFileSync(join(ROOT, 'board-configs', f), 'utf8'), `board-configs/${f}`);
      if (!r.ok) throw new Error('shipped board does not load');
      const b = r.board;
      const dts = boardToDts(b, `board-configs/${f}`);
      const back = fromDts(dts, 'board.dts', b.standard === 'LPDDR4X' ? { standard: 'LPDDR4X' } : {}).board;
      expect(back.standard).toBe(b.standard);
      expect([back.dramBase, back.dramSize]).toEqual([b.dramBase, b.dramSize]);
      expect(dieSummary(back)).toEqual(dieSummary(b));
      // Die ids come back as given, except that the placeholder controller addresses dies by rank, not cs.
      expect(back.dies.map((d) => d.id)).toEqual(b.dies.map((d) => d.id.replace(/\.cs(\d)/, '.rank$1')));
      // Parts the bindings name keep their names.
      if (f === 'pandaboard-es.json') expect(back.dies[0]!.part.name).toBe('elpida-ECB240ABACN');
    });
  }

  it('writes the generated compatible, revision-id and (LPDDR3 only) manufacturer-id', () => {
    const r = parseBoardConfig(readFileSync(join(ROOT, 'board-configs/imx8mm-evk.json'), 'utf8'), 'imx8mm-evk.json');
    if (!r.ok) throw new Error('shipped board does not load');
    const dts = boardToDts(r.board, 'board-configs/imx8mm-evk.json');
    expect(dts).toContain('ddrc_cha: lpddr-channel0 {');
    expect(dts).toContain('compatible = "lpddr4-ff,0000", "jedec,lpddr4";');
    expect(dts).toContain('revision-id = <0x00 0x00>;');
    expect(dts).not.toContain('manufacturer-id');
  });
});
