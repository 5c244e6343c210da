/**
 * `npx pasr` runs cli/pasr.mjs, which builds dist/pasr.mjs on first use. These tests lay out
 * what `npm ci --omit=dev` installs — the sources and the packages package-lock.json does not
 * mark `dev` — in a fresh folder, and run the launcher there as a user would.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cliEnv, ROOT } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'pasr-launcher-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean }>;
};

/** A copy of the project with the production packages only (top-level ones linked from this checkout). */
function productionInstall(name: string, leaveOut: (pkg: string) => boolean = () => false): string {
  const app = join(work, name);
  for (const d of ['cli', 'hal', 'firmware', 'board-configs', 'workloads'])
    cpSync(join(ROOT, d), join(app, d), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(app, 'package.json'));
  for (const [key, meta] of Object.entries(lock.packages)) {
    const pkg = key.replace(/^node_modules\//, '');
    if (!key.startsWith('node_modules/') || pkg.includes('/node_modules/') || meta.dev || leaveOut(pkg)) continue;
    if (!existsSync(join(ROOT, key))) continue; // an optional package for another platform
    mkdirSync(dirname(join(app, key)), { recursive: true });
    symlinkSync(join(ROOT, key), join(app, key));
  }
  return app;
}

function launch(app: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(app, 'cli', 'pasr.mjs'), ...args], {
    cwd: app,
    encoding: 'utf8',
    timeout: 120_000,
    env: cliEnv(),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npx pasr after npm ci --omit=dev', () => {
  it('builds the CLI on first use and runs it', () => {
    const app = productionInstall('production');
    expect(existsSync(join(app, 'dist', 'pasr.mjs'))).toBe(false);
    const r = launch(app, 'boards');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^BOARD +DRAM +SIZE +DIES +FILE$/);
    expect(r.stdout).toContain('pandaboard-es  LPDDR2-S4  1 GiB');
    expect(existsSync(join(app, 'dist', 'pasr.mjs'))).toBe(true);
  });

  it('runs a sweep on worker threads and writes its report with the chart library inlined', () => {
    const app = productionInstall('production-compare');
    const r = launch(
      app,
      'compare',
      '--boards',
      'snowball',
      '--workloads',
      join(ROOT, 'workloads', 'example-nap.json'),
      '--policies',
      'oracle',
      '--seeds',
      '1',
      '--duration',
      '10m',
      '--out',
      'sweep',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 cell: 1 ok, 0 lost data, 0 failed');
    expect(readFileSync(join(app, 'sweep', 'report.html'), 'utf8')).toContain('Chart.js v');
  });

  it('says what to run when esbuild is missing and nothing is built', () => {
    const app = productionInstall('no-esbuild', (pkg) => pkg === 'esbuild' || pkg.startsWith('@esbuild/'));
    const r = launch(app, 'boards');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'pasr: dist/pasr.mjs is not built, and esbuild, which builds it, is not installed: run npm ci (or npm run build)\n',
    );
  });

  it('says which package is missing when the built CLI cannot load one', () => {
    const app = productionInstall('no-serialport', (pkg) => pkg === 'serialport');
    const r = launch(app, 'boards');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^pasr: a package pasr needs is not installed \(Cannot find package 'serialport' imported from .*pasr\.mjs\): run npm ci\n$/,
    );
  });
});
