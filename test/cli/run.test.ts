import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeTrace } from '../../hal/trace/codec.js';
import { pasr, pasrBytes } from './run-cli.js';

const runCli = (args: string[]) => pasr(...args);

const KEYS = [
  'board',
  'workload',
  'policy',
  'seed',
  'simulatedSeconds',
  'suspendedSeconds',
  'suspendCount',
  'energyJ',
  'savingPercent',
  'platformSavingPercent',
  'oraclePercent',
  'achievedOfOracle',
  'maskedUnitSeconds',
  'pagesMigrated',
  'pagesReclaimed',
  'refaults',
  'mrwCount',
  'deflateLatencyMs',
  'oomKills',
  'allocStalls',
  'violations',
  'dataLossPages',
  'allocatorNsPerOp',
];

describe('pasr run', () => {
  it('prints the JSON report with every documented key, the same for the same seed', () => {
    const args = [
      'run',
      '--board',
      'imx6sl-evk',
      '--workload',
      'example-nap',
      '--policy',
      'oracle',
      '--duration',
      '30m',
      '--json',
    ];
    const a = runCli(args);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const r = JSON.parse(a.stdout);
    for (const k of KEYS) expect(r).toHaveProperty(k);
    expect(r.energyJ).toEqual({
      baseline: expect.any(Number),
      policy: expect.any(Number),
      band: { low: expect.any(Number), high: expect.any(Number) },
    });
    expect(r.simulatedSeconds).toBeCloseTo(1800, 0);
    expect(r.savingPercent).toBeCloseTo(r.oraclePercent, 9);
    expect(r.violations + r.dataLossPages).toBe(0);
    expect(runCli(args).stdout).toBe(a.stdout);
  });

  it('exits 3 and says so loudly when the policy loses data (careless)', () => {
    const r = runCli(['run', '--board', 'snowball', '--workload', 'kernbench', '--policy', 'careless']);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('PASR SAFETY VIOLATION');
    expect(r.stdout).toContain('PASR DATA LOSS');
    expect(r.stderr).toMatch(/^pasr: PASR safety invariant violated: \d+ violations, \d+ live pages lost/);
  });

  it('writes the run trace with the mask changes and suspends, readable by inspect', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pasr-run-'));
    try {
      const trace = join(dir, 'run.pasrtrace');
      const r = runCli([
        'run',
        '--board',
        'snowball',
        '--workload',
        'kernbench',
        '--policy',
        'careless',
        '--trace',
        trace,
      ]);
      expect(r.code).toBe(3);
      const i = runCli(['inspect', trace, '--kind', 'pasr.mask,sys.*', '--json']);
      expect(i.code).toBe(0);
      const events = JSON.parse(i.stdout) as { kind: string; policy?: string }[];
      expect(events.some((e) => e.kind === 'pasr.mask' && e.policy === 'careless')).toBe(true);
      expect(events.some((e) => e.kind === 'sys.suspend')).toBe(true);
      expect(events.some((e) => e.kind === 'sys.resume')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--trace - writes the trace to standard output and the report to standard error, never with --json', () => {
    const args = [
      'run',
      '--board',
      'imx6sl-evk',
      '--workload',
      'example-nap',
      '--policy',
      'oracle',
      '--duration',
      '10m',
    ];
    const r = pasrBytes({}, ...args, '--trace', '-');
    expect(r.code).toBe(0);
    const trace = decodeTrace(new Uint8Array(r.stdout), 'stdout');
    expect(trace.board).toBe('imx6sl-evk');
    expect(trace.events.some((e) => e.kind === 'sys.suspend')).toBe(true);
    expect(r.stderr).toMatch(/^pasr run: imx6sl-evk, example-nap, policy oracle, seed 1, 45 °C\n/);
    expect(runCli([...args, '--trace', '-', '--json'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'pasr: --trace -: the trace takes standard output, so --json cannot\n',
    });
  });

  it('refuses an unknown policy, a bad duration, a bad seed and an unknown workload clearly', () => {
    const base = ['run', '--board', 'imx6sl-evk', '--workload', 'example-nap'];
    const p = runCli([...base, '--policy', 'magic']);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain("unknown policy 'magic'");
    const d = runCli([...base, '--policy', 'none', '--duration', '5 parsecs']);
    expect(d.code).toBe(2);
    expect(d.stderr).toBe('pasr: --duration "5 parsecs": expected a number followed by ns, us, ms, s, m, h or d\n');
    const s = runCli([...base, '--policy', 'none', '--seed', '-1']);
    expect(s.code).toBe(2);
    expect(s.stderr).toBe('pasr: --seed -1: out of range (0-4294967295)\n');
    expect(runCli([...base, '--policy', 'none', '--duration', '0s']).stderr).toBe(
      'pasr: --duration 0s: a run needs some simulated time\n',
    );
    const w = runCli(['run', '--board', 'imx6sl-evk', '--workload', 'nope', '--policy', 'none']);
    expect(w.code).toBe(1);
    expect(w.stderr).toMatch(/^pasr: .*nope/);
    for (const x of [p, d, s, w]) expect(x.stderr).not.toMatch(/\n\s+at /);
  });
});
