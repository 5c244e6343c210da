import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { BUSY, DROPPED, variantOf } from '../firmware/snapshot/snapshots.js';
import { pasr, ROOT } from './run-cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'pasr-snapshot-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const analyze = (...args: string[]) => pasr('snapshot', 'analyze', ...args);

/** `pasr ARGS` as a user without root: as root, run as nobody (uid 65534). */
function withoutRoot(...args: string[]) {
  const asRoot = process.getuid?.() === 0;
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'pasr.mjs'), ...args], {
    cwd: '/',
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, PASR_DEBUG: '' },
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('pasr snapshot analyze', () => {
  it('classifies every page frame and prints what PASR saves on 1 GiB segments', () => {
    const r = analyze(BUSY, '--segment-size', '1GiB');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(
      `pasr snapshot analyze ${BUSY}: Linux 6.18.44-fc-v1252 x86_64, captured 2026-12-04T08:05:16Z`,
    );
    expect(lines[1]).toContain('RAM 6291358 pages (24 GiB) in 3 System RAM ranges of iomem');
    expect(lines[1]).toContain('every page of a free block flagged buddy');
    expect(r.stdout).toMatch(/^movable +2365364 +9\.02 GiB/m);
    expect(r.stdout).toContain('24 segments of 1 GiB: the RAM laid end to end');
    expect(r.stdout).toMatch(/^oracle +3 of 24 +12\.5 %/m);
    expect(r.stdout).toContain('DISCREPANCY');
  });

  it('prints JSON with the documented keys, classes adding up to the RAM, a saving per figure', () => {
    const r = analyze(DROPPED, '--segment-size', '2GiB', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    for (const k of [
      'pfns',
      'ramPages',
      'classes',
      'buddyinfoFreePages',
      'segments',
      'savingPercent',
      'discrepancies',
      'checks',
      'zones',
      'freeBlocks',
      'ifUnknownEmpty',
    ])
      expect(j).toHaveProperty(k);
    expect(j.pfns).toBe(6553600);
    expect(Object.keys(j.classes).sort()).toEqual(
      ['free', 'movable', 'nopage', 'offline', 'reserved', 'unknown', 'unmovable'].sort(),
    );
    expect(Object.values(j.classes as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(j.ramPages);
    expect(j.segments).toHaveLength(12);
    expect(j.segments[0]).toMatchObject({
      index: 0,
      freePages: expect.any(Number),
      movablePages: expect.any(Number),
      unmovablePages: expect.any(Number),
      state: 'pinned',
    });
    expect(Object.keys(j.savingPercent)).toEqual(['now', 'afterMigration', 'oracle']);
    expect(j.discrepancies.length).toBeGreaterThan(0);
  });

  it("lays the RAM onto a board's PASR units and meters the saving on its dies", () => {
    const r = analyze(BUSY, '--board', 'imx8mm-evk', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.layout.board).toBe('imx8mm-evk');
    expect(j.segments.length).toBeGreaterThan(0);
    expect(j.segments[0].dies.length).toBeGreaterThan(0);
    expect(j.segments.reduce((a: number, s: { pages: number }) => a + s.pages, 0)).toBe(j.ramPages);
    const text = analyze(BUSY, '--board', 'imx8mm-evk');
    expect(text.stdout).toContain('stretched onto its 2 GiB of DRAM (12 machine pages on each board page)');
  });

  it('wants a board or a segment size, one of them, and a size that cuts the RAM into whole pages', () => {
    const cases: [string[], string][] = [
      [[DROPPED], 'pasr: snapshot analyze: give --board NAME|FILE or --segment-size SIZE'],
      [
        [DROPPED, '--board', 'pandaboard-es', '--segment-size', '1GiB'],
        "pasr: option '--board <name|file>' cannot be used with option '--segment-size <size>'; see pasr snapshot analyze --help",
      ],
      [
        [DROPPED, '--segment-size', '1.5GiB'],
        'pasr: --segment-size 1.5GiB: not a size, e.g. 512MiB, 1GiB or 4096 (4 KiB to 1 TiB)',
      ],
      [
        [DROPPED, '--segment-size', '6000'],
        "pasr: --segment-size 6000: not a whole number of the snapshot's 4 KiB pages",
      ],
      [
        [DROPPED, '--segment-size', '4KiB'],
        'pasr: --segment-size 4 KiB: 6291358 segments of this RAM; at most 4096 (give 8 MiB or more)',
      ],
    ];
    for (const [args, message] of cases) {
      const r = analyze(...args);
      expect(r.stderr.trim(), args.join(' ')).toBe(message);
      expect(r.code).toBe(2);
    }
  });
});

describe('pasr snapshot analyze: a snapshot that does not hold what it should', () => {
  const gz = readFileSync(join(DROPPED, 'kpageflags.gz'));
  const flags = gunzipSync(gz);
  const cases: [string, Record<string, Uint8Array | string | null>, (dir: string) => string][] = [
    ['a missing file', { buddyinfo: null }, (d) => `${d}/buddyinfo: missing: a snapshot folder holds buddyinfo`],
    [
      'no page flags at all',
      { 'kpageflags.gz': null },
      (d) => `${d}/kpageflags.gz: missing: a snapshot folder holds kpageflags.gz (or kpageflags)`,
    ],
    [
      'corrupt gzip data',
      { 'kpageflags.gz': Buffer.concat([gz.subarray(0, 100_000), Buffer.alloc(5000, 0xa5), gz.subarray(105_000)]) },
      (d) => `${d}/kpageflags.gz: corrupt gzip data after `,
    ],
    [
      'a gzip file cut short',
      { 'kpageflags.gz': gz.subarray(0, gz.length >> 1) },
      (d) => `${d}/kpageflags.gz: truncated gzip data after `,
    ],
    [
      'a .gz file that is not gzip',
      { 'kpageflags.gz': flags.subarray(0, 4096) },
      (d) => `${d}/kpageflags.gz: not gzip-compressed data (no gzip header), though its name ends in .gz`,
    ],
    [
      'page flags shorter than the RAM',
      { 'kpageflags.gz': null, kpageflags: flags.subarray(0, 8 * 0x200000) },
      (d) =>
        `${d}/kpageflags: 2097152 page frames (16777216 bytes), but iomem's RAM reaches pfn 6553600: truncated, or from another machine`,
    ],
    [
      'page flags of a larger machine',
      { iomem: '00001000-0009fbff : System RAM\n00100000-3fffffff : System RAM\n' },
      (d) =>
        `${d}/kpageflags.gz: more than 786432 page frames, but iomem's RAM ends at pfn 262144: from another machine?`,
    ],
    [
      'page flags not a whole number of entries',
      { 'kpageflags.gz': gzipSync(Buffer.concat([flags, Buffer.alloc(3)])) },
      (d) => `${d}/kpageflags.gz: 52428803 bytes: not a whole number of 8-byte entries (truncated?)`,
    ],
    [
      'both a plain and a compressed copy',
      { kpageflags: flags.subarray(0, 8) },
      (d) => `${d}/kpageflags: the folder holds both kpageflags and kpageflags.gz; keep one`,
    ],
    [
      'map counts of another capture',
      { 'kpagecount.gz': gzipSync(Buffer.alloc(8 * 1000)) },
      (d) => `${d}/kpagecount.gz: 1000 page frames where kpageflags has 6553600: not the same capture`,
    ],
    [
      'garbage in iomem',
      { iomem: '00001000-0009fbff : System RAM\n0009fc00-000fffff Reserved\n' },
      (d) => `${d}/iomem:2: expected "START-END : NAME" (hex addresses), got "0009fc00-000fffff Reserved"`,
    ],
    [
      'garbage in buddyinfo',
      { buddyinfo: 'Node 0, zone      DMA      0      0      0\nhello\n' },
      (d) => `${d}/buddyinfo:2: expected "Node N, zone NAME" and a count per order, got "hello"`,
    ],
    [
      'garbage in pagetypeinfo',
      { pagetypeinfo: 'Page block order: 9\nPages per block:  512\n\nNumber of blocks type Unmovable\nNode 0 DMA 1\n' },
      (d) => `${d}/pagetypeinfo:5: expected "Node N, zone NAME" and a count per migrate type, got "Node 0 DMA 1"`,
    ],
    [
      'binary junk in zoneinfo',
      { zoneinfo: Buffer.from([0x4e, 0x6f, 0x0a, 0x00, 0xff, 0x13]) },
      (d) => `${d}/zoneinfo:2: binary data (a NUL byte): not the text /proc writes`,
    ],
    [
      'a broken snapshot record',
      { 'snapshot.json': '{"format": "pasr-snapshot", "pageSize": 3000}' },
      (d) => `${d}/snapshot.json: pageSize: 3000 is not a page size (4096 to 65536, a power of two)`,
    ],
  ];
  for (const [what, files, message] of cases) {
    it(`${what}: one line naming the file, exit 1`, () => {
      const dir = variantOf(DROPPED, files);
      const r = analyze(dir, '--segment-size', '1GiB');
      expect(r.stdout).toBe('');
      expect(r.stderr.startsWith(`pasr: ${message(dir)}`), r.stderr).toBe(true);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.code).toBe(1);
    });
  }

  it('a folder that does not exist', () => {
    const r = analyze(join(scratch, 'nothing'), '--segment-size', '1GiB');
    expect(r.stderr).toBe(`pasr: ${join(scratch, 'nothing')}: no such folder\n`);
    expect(r.code).toBe(1);
  });
});

describe('pasr snapshot capture', () => {
  it('without root: says that it needs root, exit 1, and writes nothing', () => {
    const out = join(tmpdir(), `pasr-no-root-${process.pid}`);
    const r = withoutRoot('snapshot', 'capture', '--out', out);
    expect(r.stderr).toBe(
      'pasr: /proc/kpageflags: permission denied: reading the page flags of every page frame needs root (run: sudo npx pasr snapshot capture --out DIR)\n',
    );
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a folder that already holds a snapshot, and a file', () => {
    const r = pasr('snapshot', 'capture', '--out', DROPPED);
    expect(r.stderr).toMatch(
      /^pasr: .*x86-vm-dropped-caches: already holds a snapshot \(buddyinfo, buddyinfo\.after, /,
    );
    expect(r.code).toBe(1);
    const file = join(scratch, 'a-file');
    writeFileSync(file, 'x');
    const f = pasr('snapshot', 'capture', '--out', file);
    expect(f.stderr).toBe(`pasr: ${file}: exists and is not a folder; --out takes a folder (new or empty)\n`);
    expect(f.code).toBe(1);
  });

  it('as root, takes a snapshot of this machine that analyze reads; otherwise says it needs root', () => {
    const out = join(scratch, 'now');
    const r = pasr('snapshot', 'capture', '--out', out);
    if (process.getuid?.() !== 0) {
      expect(r.stderr).toContain('needs root');
      expect(r.code).toBe(1);
      return;
    }
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kpageflags\.gz +\d+(\.\d+)? MiB /m);
    for (const f of [
      'kpageflags.gz',
      'kpagecount.gz',
      'iomem',
      'buddyinfo',
      'buddyinfo.after',
      'pagetypeinfo',
      'zoneinfo',
      'meminfo',
      'snapshot.json',
    ])
      expect(existsSync(join(out, f)), f).toBe(true);
    const a = analyze(out, '--segment-size', '1GiB', '--json');
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const j = JSON.parse(a.stdout);
    expect(Object.values(j.classes as Record<string, number>).reduce((x, y) => x + y, 0)).toBe(j.ramPages);
    expect(j.pfns * 8).toBe(gunzipSync(readFileSync(join(out, 'kpageflags.gz'))).length);
  });
});
