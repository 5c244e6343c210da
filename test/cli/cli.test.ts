import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pasr, ROOT } from './run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'pasr-cli-'));
const trace = join(tmp, 'boot.pasrtrace');

function noStackTrace(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe('pasr boards', () => {
  it('lists the shipped boards as JSON {name, file, standard, sizeBytes, dies}', () => {
    const r = pasr('boards', '--json');
    expect(r.code).toBe(0);
    const boards = JSON.parse(r.stdout) as {
      name: string;
      file: string;
      standard: string;
      sizeBytes: number;
      dies: string[];
    }[];
    const panda = boards.find((b) => b.name === 'pandaboard-es');
    expect(panda).toEqual({
      name: 'pandaboard-es',
      file: 'board-configs/pandaboard-es.json',
      standard: 'LPDDR2-S4',
      sizeBytes: 2 ** 30,
      dies: ['emif1.cs0', 'emif1.cs1', 'emif2.cs0', 'emif2.cs1'],
    });
    const files = readdirSync(join(ROOT, 'board-configs')).filter(
      (f) => f.endsWith('.json') && f !== 'board.schema.json',
    );
    expect(boards.map((b) => b.file).sort()).toEqual(files.map((f) => `board-configs/${f}`).sort());
    expect(boards.find((b) => b.name === 'lp4x-quad-16g')!.sizeBytes).toBeGreaterThanOrEqual(16 * 2 ** 30);
  });

  it('validate: exit 0 for good configs', () => {
    const r = pasr('boards', 'validate', 'board-configs/pandaboard-es.json', 'board-configs/imx8mp-evk.json');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('board-configs/pandaboard-es.json: ok (pandaboard-es: 4 dies, 1 GiB LPDDR2-S4)');
  });

  it('validate: one FILE:LINE:COL: path: message line per problem, exit 1, no stack trace', () => {
    const r = pasr(
      'boards',
      'validate',
      'board-configs/snowball.json',
      'test/fixtures/bad-configs/density-not-matching-size.json',
    );
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n').slice(1)).toEqual([
      'test/fixtures/bad-configs/density-not-matching-size.json:28:13: dram.size: is 1 GiB, but the 4 dies add up to 512 MiB (4 × 128 MiB)',
    ]);
    noStackTrace(r.stdout + r.stderr);
  });

  it('validate: a file that does not exist or is not JSON is a clear error', () => {
    const missing = pasr('boards', 'validate', join(tmp, 'nope.json'));
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe(`${join(tmp, 'nope.json')}: cannot read board config: no such file\n`);
    const garbage = join(tmp, 'garbage.json');
    writeFileSync(garbage, '{"name": "x",\n  "dram": [1, 2,\n');
    const g = pasr('boards', 'validate', garbage);
    expect(g.code).toBe(1);
    expect(g.stdout).toMatch(new RegExp(`^${garbage.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:1: `));
    noStackTrace(g.stdout + g.stderr);
  });
});

describe('pasr boot', () => {
  beforeAll(() => {
    const r = pasr('boot', '--board', 'pandaboard-es', '--trace', trace);
    expect(r.code).toBe(0);
  });

  it('prints the JSON contract: board, registerWrites, dies with geometry and masks', () => {
    const r = pasr('boot', '--board', 'pandaboard-es', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.board).toBe('pandaboard-es');
    expect(j.registerWrites).toBe(68);
    expect(j.dies[0]).toEqual({
      id: 'emif1.cs0',
      controller: 'emif1',
      standard: 'LPDDR2-S4',
      densityMbit: 2048,
      banks: 8,
      segments: 8,
      segmentBytes: 32 * 2 ** 20,
      mr16: 0,
      mr17: 0,
    });
    expect(j.dies).toHaveLength(4);
  });

  it('boots a board given as a file path, and refuses an unknown board name with the list', () => {
    expect(pasr('boot', '--board', 'board-configs/snowball.json', '--json').code).toBe(0);
    const r = pasr('boot', '--board', 'pandaboard');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^pasr: unknown board "pandaboard"; did you mean pandaboard-es\? \(boards: (\S+, )*pandaboard-es(, \S+)*; or give a path to a \.json config\)\n$/,
    );
    expect(r.stderr).toContain('imx6sl-evk, imx8mm-evk');
  });

  it('--proc buddyinfo prints the kernel format', () => {
    const r = pasr('boot', '--board', 'imx8mm-evk', '--proc', 'buddyinfo');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Node 0, zone\s+DMA(\s+\d+){11}\s*$/m);
  });

  it('inspect shows the init sequence of one die with register and field names', () => {
    const r = pasr('inspect', trace, '--die', 'emif1.cs0', '--mr', '17');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('mmio.write emif1 LPDDR2_MODE_REG_CONFIG = 0x00000011 (CS=0 REFRESH_EN=0 ADDRESS=0x11)');
    expect(r.stdout).toContain('dram.mrw emif1.cs0 MR17 = 0x00');
  });

  it('inspect --json gives events with seq, tNs, kind and the contract fields', () => {
    const r = pasr('inspect', trace, '--kind', 'dram.mrw,mmio.write', '--json');
    const events = JSON.parse(r.stdout) as Record<string, unknown>[];
    const mrw = events.find((e) => e.kind === 'dram.mrw' && e.mr === 10)!;
    expect(mrw).toMatchObject({ kind: 'dram.mrw', die: 'emif1.cs0', mr: 10, value: 0xff });
    expect(typeof mrw.seq).toBe('number');
    expect(typeof mrw.tNs).toBe('number');
    const w = events.find((e) => e.kind === 'mmio.write')!;
    expect(w).toMatchObject({ kind: 'mmio.write', address: 0x4c00_0050, register: 'LPDDR2_MODE_REG_CONFIG' });
  });

  it('inspect --vcd writes a value change dump', () => {
    const r = pasr('inspect', trace, '--vcd');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('$timescale');
    expect(r.stdout).toContain('$enddefinitions $end');
  });

  it('inspect reports a truncated or foreign trace file clearly, with exit 1', () => {
    const bytes = readFileSync(trace);
    const cut = join(tmp, 'cut.pasrtrace');
    writeFileSync(cut, bytes.subarray(0, 100));
    const r = pasr('inspect', cut);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pasr: .*cut\.pasrtrace: truncated at byte \d+/);
    noStackTrace(r.stderr);
    const foreign = pasr('inspect', 'board-configs/pandaboard-es.json');
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('bad magic');
  });
});

describe('pasr inspect on a system-run trace', () => {
  const run = 'test/fixtures/traces/system-run.pasrtrace';

  it('selects the PASR masks of one die with a kind glob', () => {
    const r = pasr('inspect', run, '--die', 'emif2.cs1', '--kind', 'pasr.*');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      `${run}: board pandaboard-es, 26 events, 2 shown`,
      '  642020.5 ns  #6 pasr.mask unit 15 (MR17 bit 7 on emif1.cs1+emif2.cs1): 16384 pages, by balloon',
      '5000643140.5 ns  #21 pasr.unmask unit 15 (MR17 bit 7 on emif1.cs1+emif2.cs1): 16384 pages, by shrinker',
      '',
    ]);
  });

  it('refuses a file with an event kind it does not know, naming the code and byte, with exit 1', () => {
    const bytes = new Uint8Array(readFileSync(run));
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    const start = bytes.length - 4 - dv.getUint32(20, true);
    bytes[start] = 0x0e;
    const bad = join(tmp, 'newer.pasrtrace');
    writeFileSync(bad, bytes);
    const r = pasr('inspect', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`newer.pasrtrace: unknown event kind 0x0e at byte ${start} (event 1 of 26)`);
    noStackTrace(r.stderr);
  });
});

describe('pasr map', () => {
  const all = ['--die', 'emif1.cs0', '--die', 'emif1.cs1', '--die', 'emif2.cs0', '--die', 'emif2.cs1'];

  it('pandaboard-es: segment 3 on all four dies is one contiguous 128 MiB range', () => {
    const r = pasr('map', '--board', 'pandaboard-es', '--segment', '3', ...all, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      shape: 'contiguous',
      bytes: 128 * 2 ** 20,
      pfnCount: 32768,
      ranges: [{ start: 0x9800_0000, end: 0xa000_0000 }],
    });
  });

  it('pandaboard-es: a segment on one EMIF alone is sub-page', () => {
    const j = JSON.parse(
      pasr('map', '--board', 'pandaboard-es', '--segment', '3', '--die', 'emif1.cs0', '--die', 'emif1.cs1', '--json')
        .stdout,
    );
    expect(j).toMatchObject({ shape: 'sub-page', bytes: 64 * 2 ** 20, pfnCount: 0, ranges: [] });
  });

  it('a bank is strided; a segment that does not exist is refused', () => {
    const j = JSON.parse(pasr('map', '--board', 'imx6sl-evk', '--bank', '5', '--json').stdout);
    expect(j.shape).toBe('strided');
    const r = pasr('map', '--board', 'imx8mp-evk', '--segment', '7');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('pasr: map: segment 7 does not exist on imx8mp-evk (0-5)\n');
  });
});

describe('npm start (pasr demo)', () => {
  it('boots the default board, masks a free PASR unit through a suspend and loses nothing', () => {
    const r = pasr('demo');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('dram.mrw emif1.cs0 MR10 = 0xff');
    expect(r.stdout).toContain('live pages lost: 0');
    expect(r.stdout).toMatch(/safety check at self-refresh entry: no live page in a masked bank or segment/);
  });
});
