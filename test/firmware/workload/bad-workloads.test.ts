import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatProblem, parseScenarioBytes } from '../../../firmware/workload/load-scenario.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/bad-workloads');

/** What `pasr workloads validate FILE` prints for a file's bytes: one line per problem, [] when valid. */
function validate(file: string, bytes: Uint8Array): string[] {
  const r = parseScenarioBytes(bytes);
  return r.ok ? [] : r.problems.map((p) => formatProblem(file, p));
}

/** The fixtures README's table: file, what was changed, and the line validate prints (without `FILE:`). */
function table(): { file: string; change: string; line: string }[] {
  const rows = readFileSync(join(FIXTURES, 'README.md'), 'utf8')
    .split('\n')
    .filter((l) => /^\| [a-z0-9-]+\.json \|/.test(l));
  return rows.map((row) => {
    const m = /^\| (\S+) \| (.*) \| `(.*)` \|$/.exec(row);
    if (!m) throw new Error(`README row not in the form | file | change | \`message\` |: ${row}`);
    return { file: m[1]!, change: m[2]!.replaceAll('\\|', '|'), line: m[3]!.replaceAll('\\|', '|') };
  });
}

describe('bad workload scenarios: exact validate output per fixture (the fixtures README lists them)', () => {
  const rows = table();

  it('lists every fixture file once, and there are at least 25', () => {
    const files = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(rows.map((r) => r.file).sort()).toEqual(files);
    expect(files.length).toBeGreaterThanOrEqual(25);
  });

  for (const { file, change, line } of rows) {
    it(`${file} (${change})`, () => {
      expect(validate(file, readFileSync(join(FIXTURES, file)))).toEqual([`${file}:${line}`]);
    });
  }
});
