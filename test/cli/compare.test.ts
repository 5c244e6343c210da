import { spawn } from 'node:child_process';
import pty from '@lydell/node-pty';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { POLICIES } from '../../firmware/pasr/policies/index.js';
import { type CliRun, pasr, pasrBytes, ROOT } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'pasr-compare-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const FULL_NAP = 'test/fixtures/workloads/full-nap.json';
const BROKEN = 'test/fixtures/workloads/broken-phase.json';

/** `pasr compare ...` with room for a sweep's time. */
function sweep(...args: string[]): CliRun {
  const r = pasrBytes({ timeoutMs: 200_000 }, 'compare', ...args);
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

function cellFiles(dir: string): string[] {
  return readdirSync(join(dir, 'cells'))
    .filter((f) => f.endsWith('.json'))
    .sort();
}

function cellFile(dir: string, name: string): { status: string; error: string | null; run: unknown } {
  return JSON.parse(readFileSync(join(dir, 'cells', name), 'utf8'));
}

// Each test runs whole sweeps (worker threads, several runs per cell) on a small machine.
vi.setConfig({ testTimeout: 240_000 });

describe('pasr compare', () => {
  it("computes each baseline once, and every cell's figures equal `pasr run --json` for the same inputs", () => {
    const out = join(work, 'equal');
    const r = sweep(
      '--boards',
      'snowball',
      '--workloads',
      `example-nap,${FULL_NAP}`,
      '--policies',
      'none,oracle,careless',
      '--seeds',
      '1',
      '--duration',
      '10m',
      '--jobs',
      '2',
      '--out',
      out,
    );
    expect(r.stdout).toContain('pasr compare: 1 board x 2 workloads x 3 policies x 1 seed = 6 cells, 2 workers');
    expect(r.stdout).toMatch(/^ran 6 cells and 2 baselines in [\d.]+ s/m);
    // careless loses data on the full memory: the sweep says so as `pasr run` would, with its exit status
    expect(r.stdout).toMatch(/\] snowball full-nap careless seed 1: DATA LOSS: \d+ violations, \d+ live pages lost$/m);
    expect(r.stderr).toBe(
      'pasr: 1 cell violated the PASR safety invariant or lost data (status data-loss in the report)\n',
    );
    expect(r.code).toBe(3);
    for (const [workload, policy] of [
      ['example-nap', 'none'],
      ['example-nap', 'oracle'],
      [FULL_NAP, 'oracle'],
      [FULL_NAP, 'careless'],
    ]) {
      const run = pasr(
        'run',
        '--board',
        'snowball',
        '--workload',
        workload!,
        '--policy',
        policy!,
        '--duration',
        '10m',
        '--json',
      );
      const name = workload === FULL_NAP ? 'full-nap' : workload!;
      const cell = cellFile(out, `snowball+${name}+${policy}+s1.json`);
      expect(cell.run, `${name} ${policy}`).toEqual(JSON.parse(run.stdout));
      if (run.code === 3) {
        expect(cell.status).toBe('data-loss');
        expect(`pasr: ${cell.error}\n`).toBe(run.stderr);
      } else expect(cell.status).toBe('ok');
    }
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.counts).toEqual({ cells: 6, ok: 5, dataLoss: 1, errors: 0 });
    expect(report.cells.map((c: { policy: string }) => c.policy)).toEqual([
      'none',
      'oracle',
      'careless',
      'none',
      'oracle',
      'careless',
    ]);
  });

  it('gives byte-identical report.json and report.csv with one worker and with two', () => {
    const args = [
      '--boards',
      'pandaboard-es,snowball',
      '--workloads',
      'example-nap',
      '--policies',
      'oracle,careless',
      '--seeds',
      '2',
      '--duration',
      '10m',
    ];
    const one = sweep(...args, '--jobs', '1', '--out', join(work, 'one'));
    const two = sweep(...args, '--jobs', '2', '--out', join(work, 'two'));
    expect([one.code, two.code, one.stderr, two.stderr]).toEqual([0, 0, '', '']);
    for (const f of ['report.json', 'report.csv'])
      expect(readFileSync(join(work, 'two', f), 'utf8'), f).toBe(readFileSync(join(work, 'one', f), 'utf8'));
    const report = JSON.parse(readFileSync(join(work, 'one', 'report.json'), 'utf8'));
    expect(report.counts).toEqual({ cells: 8, ok: 8, dataLoss: 0, errors: 0 });
    // aggregates over the two seeds of each board x workload x policy
    const a = report.aggregates.find(
      (x: { board: string; policy: string }) => x.board === 'snowball' && x.policy === 'oracle',
    );
    const savings = report.cells
      .filter((c: { board: string; policy: string }) => c.board === 'snowball' && c.policy === 'oracle')
      .map((c: { run: { savingPercent: number } }) => c.run.savingPercent);
    expect(a.figures.savingPercent.n).toBe(2);
    expect(a.figures.savingPercent.min).toBe(Math.min(...savings));
    expect(a.figures.savingPercent.max).toBe(Math.max(...savings));
    expect(a.figures.savingPercent.mean).toBeCloseTo((savings[0] + savings[1]) / 2, 9);
    const csv = readFileSync(join(work, 'one', 'report.csv'), 'utf8').split('\r\n');
    expect(csv[0]).toMatch(/^board,workload,variant,seed,status,error,policy,.*,energyJ\.baseline,/);
    expect(csv[0]).not.toContain('timeline');
    expect(csv).toHaveLength(8 + 2);
  });

  it('skips on a rerun the cells already done with the same inputs', () => {
    const out = join(work, 'rerun');
    const args = ['--boards', 'imx6sl-evk', '--workloads', 'example-nap', '--policies', 'oracle'];
    const first = sweep(...args, '--seeds', '1', '--duration', '10m', '--out', out);
    expect(first.code).toBe(0);
    const second = sweep(...args, '--seeds', '2', '--duration', '10m', '--out', out);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('skipped 1 cell already done in');
    expect(second.stdout).toMatch(/^\[1\/1\] imx6sl-evk example-nap oracle seed 2: saving/m);
    expect(second.stdout).toMatch(/^ran 1 cell and 1 baseline in/m);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).counts.cells).toBe(2);
    // another duration is another input: nothing is skipped
    const third = sweep(...args, '--seeds', '1', '--duration', '11m', '--out', out);
    expect(third.stdout).toContain('1 cell in');
    expect(third.stdout).toContain('were for other inputs (board, workload or build): running again');
    expect(third.stdout).not.toContain('skipped');
  });

  it('stops cleanly on Ctrl-C, keeping the finished cells, and a rerun goes on from them', async () => {
    const out = join(work, 'interrupted');
    const args = [
      join(ROOT, 'dist', 'pasr.mjs'),
      'compare',
      '--boards',
      'pandaboard-es,snowball,imx6sl-evk',
      '--workloads',
      'example-nap',
      '--policies',
      'oracle,careless',
      '--seeds',
      '2',
      '--duration',
      '15m',
      '--jobs',
      '2',
      '--out',
      out,
    ];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        if (/^\[2\/12\]/m.test(stdout)) resolve();
      });
      child.on('exit', () => resolve());
    });
    child.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(130);
    const kept = Number(/^pasr: interrupted: (\d+) cells? finished in this run are kept in /.exec(stderr)?.[1]);
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(kept).toBeLessThan(12);
    expect(cellFiles(out)).toHaveLength(kept);
    expect(existsSync(join(out, 'report.json'))).toBe(false);
    const rerun = sweep(...args.slice(2));
    expect(rerun.stdout).toContain(`skipped ${kept} cells already done in`);
    expect(rerun.stdout).toContain(`ran ${12 - kept} cell`);
    expect(rerun.code).toBe(0);
    expect(cellFiles(out)).toHaveLength(12);
  });

  it('shows a progress bar on a terminal: cells done, rate, time left', async () => {
    const term = pty.spawn(
      process.execPath,
      [
        join(ROOT, 'dist', 'pasr.mjs'),
        'compare',
        '--boards',
        'snowball',
        '--workloads',
        'example-nap',
        '--policies',
        'oracle,careless',
        '--seeds',
        '1',
        '--duration',
        '10m',
        '--out',
        join(work, 'terminal'),
      ],
      { cols: 120, rows: 30, cwd: ROOT, env: { ...process.env, PASR_DEBUG: '' } },
    );
    let screen = '';
    term.onData((d) => (screen += d));
    const code = await new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    expect(code).toBe(0);
    expect(screen).toMatch(/compare [=-]+ 0\/2 cells \| 0\.0 cells\/min \| \? left/);
    expect(screen).toMatch(/compare [=-]+ 1\/2 cells \| [\d.]+ cells\/min \| \d+s left/);
    expect(screen).toMatch(/compare =+ 2\/2 cells \| [\d.]+ cells\/min \| 0s left/);
    expect(screen).not.toContain('[1/2]'); // one line per cell only when not on a terminal
    expect(screen).toContain('2 cells: 2 ok, 0 lost data, 0 failed');
  });

  it('reports a cell that fails with its error, and runs the rest', () => {
    const out = join(work, 'broken');
    const r = sweep(
      '--boards',
      'snowball',
      '--workloads',
      `${BROKEN},example-nap`,
      '--policies',
      'oracle',
      '--seeds',
      '1',
      '--duration',
      '10m',
      '--out',
      out,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('pasr: 1 cell failed (status error in the report)\n');
    expect(r.stdout).toContain(
      `snowball broken-phase oracle seed 1: FAILED: ${BROKEN}:6:14: phases[0].duration: required field is missing`,
    );
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.counts).toEqual({ cells: 2, ok: 1, dataLoss: 0, errors: 1 });
    expect(report.cells[0]).toEqual({
      board: 'snowball',
      workload: 'broken-phase',
      policy: 'oracle',
      seed: 1,
      status: 'error',
      error: `${BROKEN}:6:14: phases[0].duration: required field is missing`,
      run: null,
    });
    expect(report.cells[1].status).toBe('ok');
    expect(readFileSync(join(out, 'report.csv'), 'utf8')).toContain(
      `snowball,broken-phase,oracle,1,error,${BROKEN}:6:14: phases[0].duration: required field is missing,`,
    );
  });

  it('refuses bad options and inputs with one clear line', () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'x');
    const cases: [string[], number, string][] = [
      [['--seeds', '0'], 2, '--seeds 0: out of range (1-1000)'],
      [['--jobs', 'two'], 2, '--jobs two: not a decimal or 0x-hex integer (1-256)'],
      [
        ['--policies', 'oracle,sorcery'],
        2,
        `--policies: unknown policy "sorcery" (policies: ${POLICIES.map((p) => p.name).join(', ')})`,
      ],
      [
        ['--policies', 'oracle:fast'],
        2,
        '--policies oracle:fast: "fast" is no value of an option of oracle (it takes no option)',
      ],
      [
        ['--boards', 'snowball,,imx6sl-evk'],
        2,
        '--boards "snowball,,imx6sl-evk": an empty item (give names separated by commas)',
      ],
      [['--boards', 'snowball,snowball'], 2, '--boards: snowball is listed twice'],
      [['--workloads', 'no-such-day'], 1, 'unknown workload "no-such-day"; shipped workloads: '],
      [['--duration', '0s'], 2, '--duration 0s: a run needs some simulated time'],
      [['--boards', 'snowball', '--workloads', 'example-nap', '--out', file], 1, `${file}: is not a directory`],
    ];
    for (const [args, code, message] of cases) {
      const r = args.includes('--out') ? sweep(...args) : sweep('--out', join(work, 'refused'), ...args);
      expect({ args, code: r.code, stderr: r.stderr.split('\n')[0]!.slice(0, `pasr: ${message}`.length) }).toEqual({
        args,
        code,
        stderr: `pasr: ${message}`,
      });
      expect(r.stderr.split('\n')).toHaveLength(2);
    }
  });
});
