import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pasr, ROOT } from './run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'pasr-workloads-'));
const shipped = readdirSync(join(ROOT, 'workloads'))
  .filter((f) => f.endsWith('.json') && f !== 'workload.schema.json')
  .sort();

function noStackTrace(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe('pasr workloads', () => {
  it('lists every scenario of workloads/ as JSON {name, file, durationNs, phases, description}', () => {
    const r = pasr('workloads', '--json');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { name: string; file: string }[];
    expect(list.map((w) => w.file)).toEqual(shipped.map((f) => `workloads/${f}`));
    expect(list.find((w) => w.name === 'example-nap')).toEqual({
      name: 'example-nap',
      file: 'workloads/example-nap.json',
      durationNs: 2 * 3600e9,
      phases: [
        { name: 'launch', durationNs: 120e9, suspend: false },
        { name: 'nap', durationNs: 118 * 60e9, suspend: true },
      ],
      description: expect.stringMatching(
        /^Two hours of a phone on a desk .* A small example of the scenario format\.$/,
      ),
    });
  });

  it('prints a table: name, duration, phases (a star on those that suspend), first sentence of the description', () => {
    const r = pasr('workloads');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^WORKLOAD +DURATION +PHASES +DESCRIPTION$/);
    expect(lines).toHaveLength(shipped.length + 2);
    expect(lines.find((l) => l.startsWith('example-nap '))).toMatch(
      /^example-nap +2h +launch 2m, nap 118m\* +Two hours of a phone on a desk after an app launch, asleep between modem wake-ups and syncs\.$/,
    );
    expect(lines.at(-1)).toBe('(* the phase suspends when idle)');
    // Descriptions are cut to 100 characters at a word (--json has them whole).
    const at = lines[0]!.indexOf('DESCRIPTION');
    for (const l of lines.slice(1, -1)) expect(l.slice(at).length).toBeLessThanOrEqual(100);
  });

  it('validate: every scenario of workloads/ is ok, exit 0', () => {
    const r = pasr('workloads', 'validate', ...shipped.map((f) => `workloads/${f}`));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(shipped.length);
    expect(r.stdout).toContain('workloads/example-nap.json: ok (example-nap: 2h, 2 phases, 4 sets)\n');
  });

  it('validate: one FILE:LINE:COL: path: message line per problem of every file, exit 1, no stack trace', () => {
    const r = pasr(
      'workloads',
      'validate',
      'test/fixtures/bad-workloads/read-anon-set.json',
      'workloads/example-nap.json',
      'test/fixtures/bad-workloads/unknown-op.json',
    );
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      'test/fixtures/bad-workloads/read-anon-set.json:23:42: phases[0].activities[0].ops[0].set: read needs a file set; "app" is an anon set',
      'workloads/example-nap.json: ok (example-nap: 2h, 2 phases, 4 sets)',
      'test/fixtures/bad-workloads/unknown-op.json:23:27: phases[0].activities[0].ops[0].op: unknown op "raed" (did you mean "read"?)',
    ]);
    noStackTrace(r.stdout + r.stderr);
  });

  it('validate: binary, non-UTF-8 and UTF-16 files are problems at their place, not garbage', () => {
    const r = pasr(
      'workloads',
      'validate',
      'test/fixtures/bad-workloads/binary.json',
      'test/fixtures/bad-workloads/not-utf8.json',
      'test/fixtures/bad-workloads/utf16.json',
    );
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      'test/fixtures/bad-workloads/binary.json:1:4: $: NUL byte at byte 3: this is a binary file, not a scenario file (JSON text)',
      'test/fixtures/bad-workloads/not-utf8.json:4:35: $: byte 0xe9 at byte 100 is not UTF-8: save the scenario file as UTF-8',
      'test/fixtures/bad-workloads/utf16.json:1:1: $: UTF-16 text (byte order mark 0xff 0xfe): save the scenario file as UTF-8',
    ]);
  });

  it('validate: a UTF-8 byte order mark is dropped, and positions count from after it', () => {
    const example = readFileSync(join(ROOT, 'workloads/example-nap.json'), 'utf8');
    const bom = join(tmp, 'bom.json');
    writeFileSync(bom, `\uFEFF${example}`);
    expect(pasr('workloads', 'validate', bom)).toMatchObject({
      code: 0,
      stdout: `${bom}: ok (example-nap: 2h, 2 phases, 4 sets)\n`,
    });
    const bad = join(tmp, 'bom-bad.json');
    writeFileSync(bad, `\uFEFF${example.replace('"name": "example-nap"', '"name": 7')}`);
    expect(pasr('workloads', 'validate', bad).stdout).toBe(`${bad}:3:11: name: must be a string, got 7\n`);
  });

  it('validate: a huge file, a missing file and a directory are clear errors with exit 1', () => {
    const huge = join(tmp, 'huge.json');
    writeFileSync(huge, `{"name": "${'x'.repeat(3 * 2 ** 20)}"}`);
    const h = pasr('workloads', 'validate', huge);
    expect(h.code).toBe(1);
    expect(h.stdout).toBe(
      `${huge}:1:1: $: file is ${3 * 2 ** 20 + 12} characters; a scenario file is at most 1048576 (is this the right file?)\n`,
    );
    const missing = pasr('workloads', 'validate', join(tmp, 'nope.json'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`pasr: ${join(tmp, 'nope.json')}: cannot read workload scenario: no such file\n`);
    const dir = pasr('workloads', 'validate', tmp);
    expect(dir.code).toBe(1);
    expect(dir.stderr).toMatch(new RegExp(`^pasr: ${tmp.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*directory.*\n$`));
    noStackTrace(h.stdout + missing.stderr + dir.stderr);
  });

  it('validate needs at least one file (a usage error)', () => {
    const r = pasr('workloads', 'validate');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/missing required argument 'file/);
  });
});
