import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../run-cli.js';

const PASR = join(ROOT, 'dist', 'pasr.mjs');
const work = mkdtempSync(join(tmpdir(), 'pasr-serve-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A PATH with no program on it: the virtual board must need nothing but node and the installed packages. */
const emptyBin = join(work, 'bin');
mkdirSync(emptyBin);
const bareEnv = { PATH: emptyBin, HOME: work, PASR_DEBUG: '' };

describe('pasr board serve, with nothing but node', () => {
  it('serves the board on a real pty behind a link, a client probes it, and SIGTERM stops it and removes the link', async () => {
    const link = join(work, 'ttyPANDA');
    const serve = spawn(process.execPath, [PASR, 'board', 'serve', '--board', 'pandaboard-es', '--link', link], {
      cwd: work,
      env: bareEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    serve.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    serve.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((r) => serve.once('exit', (code) => r(code)));
    try {
      for (
        let waited = 0;
        !out.includes('(stop with Ctrl-C)') && waited < 15_000 && serve.exitCode === null;
        waited += 50
      )
        await new Promise((r) => setTimeout(r, 50));
      expect(err).toBe('');
      const pts = /on (\/dev\/pts\/\d+)\n/.exec(out)?.[1];
      expect(out).toBe(
        `serving pandaboard-es (emif1: ti-emif, emif2: ti-emif) on ${pts}\n` +
          `link ${link} -> ${pts}\n` +
          `open it with: pasr board probe --port ${link} --board pandaboard-es   (stop with Ctrl-C)\n`,
      );
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readlinkSync(link)).toBe(pts);

      const probe = spawnSync(process.execPath, [PASR, 'board', 'probe', '--port', link, '--board', 'pandaboard-es'], {
        cwd: work,
        env: bareEnv,
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(probe.stderr).toBe('');
      expect(probe.status).toBe(0);
      expect(probe.stdout.trim().split('\n').at(-1)).toBe('probe: board matches its config');
    } finally {
      serve.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(err).toBe('stopped serving pandaboard-es\n');
    expect(existsSync(link)).toBe(false);
  });
});
