/**
 * Board configs with RAM ranges, THP and CONFIG_CMA: each change to the x86 VM fixture board is
 * reported as `pasr boards validate` prints it (FILE:LINE:COL: json.path: message).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, parseBoardConfig } from '../../../hal/board/load-board.js';
import { ramBytes, ramPfnRanges } from '../../../hal/board/ram-ranges.js';

const FILE = join(import.meta.dirname, '..', '..', 'fixtures', 'proc', 'this-machine', 'x86-vm-24g.json');
const TEXT = readFileSync(FILE, 'utf8');

/** The validate lines of the fixture with `from` replaced by `to` (each must occur). */
function validateChanged(...changes: [string, string][]): string[] {
  let text = TEXT;
  for (const [from, to] of changes) {
    if (!text.includes(from)) throw new Error(`fixture has no ${JSON.stringify(from)}`);
    text = text.replace(from, to);
  }
  const r = parseBoardConfig(text, 'x86.json');
  return r.ok ? [] : r.problems.map((p) => formatProblem('x86.json', p));
}

describe('board RAM ranges (dram.ranges)', () => {
  it('reads the ranges, THP and CONFIG_CMA of the fixture', () => {
    const r = parseBoardConfig(TEXT, 'x86.json');
    if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
    const b = r.board;
    expect(b.ranges).toEqual([
      { base: 0x1000, size: 0x9ec00 },
      { base: 0x100000, size: 0xbff00000 },
      { base: 0x100000000, size: 0x540000000 },
    ]);
    expect([b.kernel.thp, b.kernel.configCma]).toEqual([true, false]);
    // 0x9fc00 ends inside a page: that page is not RAM to the kernel.
    expect(ramPfnRanges(b, 4096)).toEqual([
      { startPfn: 0x1, endPfn: 0x9f },
      { startPfn: 0x100, endPfn: 0xc0000 },
      { startPfn: 0x100000, endPfn: 0x640000 },
    ]);
    expect(ramBytes(b)).toBe(24 * 2 ** 30 - 0x100000 + 0x9ec00);
  });

  it('reports ranges out of order, outside the DRAM window or without a whole page', () => {
    expect(validateChanged(['"base": "0x100000",', '"base": "0x50000",'])).toEqual([
      'x86.json:34:17: dram.ranges[1].base: 0x00050000 is below the end of dram.ranges[0] (0x0009fc00): ranges go in address order without overlapping',
    ]);
    expect(validateChanged(['"size": "0x540000000"', '"size": "0x740000000"'])).toEqual([
      'x86.json:37:7: dram.ranges[2]: RAM range 0x100000000-0x840000000 lies outside the DRAM window (0x00000000-0x800000000)',
      'x86.json:349:16: kernel.zones[2].end: the last zone must end where ZONE_MOVABLE starts: RAM end 0x840000000 - movableBytes 0 bytes = 0x840000000, got 0x640000000',
    ]);
    expect(validateChanged(['"ranges": [', '"ranges": [\n      { "base": "0x0", "size": "0x800" },'])).toEqual([
      'x86.json:27:7: dram.ranges[0]: RAM range 0x00000000-0x00000800 holds no whole page of 4 KiB',
    ]);
  });

  it('makes the last zone end where RAM ends, not where the DRAM window ends', () => {
    expect(validateChanged(['"end": "0x640000000"', '"end": "0x800000000"'])).toEqual([
      'x86.json:349:16: kernel.zones[2].end: the last zone must end where ZONE_MOVABLE starts: RAM end 0x640000000 - movableBytes 0 bytes = 0x640000000, got 0x800000000',
    ]);
  });

  it('reports a CMA area without CONFIG_CMA, and one over a hole', () => {
    const cma = (base: string, size: string): [string, string] => [
      '"cma": [],',
      `"cma": [{ "name": "linux,cma", "base": "${base}", "size": "${size}" }],`,
    ];
    expect(validateChanged(cma('0x10000000', '64MiB'))).toEqual([
      'x86.json:354:12: kernel.cma: lists 1 CMA area but kernel.configCma is false (no CONFIG_CMA)',
    ]);
    expect(validateChanged(cma('0xbc000000', '128MiB'), ['"configCma": false', '"configCma": true'])).toEqual([
      'x86.json:354:13: kernel.cma[0]: CMA area "linux,cma" 0xbc000000-0xc4000000 is not inside one of dram.ranges: a CMA area cannot cover a memory hole',
    ]);
  });

  it('reports malformed ranges and settings through the schema', () => {
    expect(validateChanged(['"base": "0x1000",\n        "size": "0x9ec00"', '"base": "0x1000"'])).toEqual([
      'x86.json:27:7: dram.ranges[0].size: required field is missing',
    ]);
    expect(validateChanged(['"thp": true', '"thp": "madvise"'])).toEqual([
      'x86.json:357:12: kernel.thp: must be true or false, got "madvise"',
    ]);
    expect(validateChanged(['"ranges": [', '"ranges": [],\n    "x": ['])).toEqual([
      'x86.json:26:15: dram.ranges: needs at least 1 item',
      'x86.json:27:5: dram.x: unknown field "x"',
    ]);
  });
});
