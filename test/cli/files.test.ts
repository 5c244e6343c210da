/**
 * What the CLI does with the paths it is given: outputs replace only regular files (or make
 * new ones), `-` is standard output; inputs are read only from regular files, and bounded.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeTrace } from '../../hal/trace/codec.js';
import { MAX_INPUT_BYTES, readInput } from '../../cli/files.js';
import { CliError } from '../../cli/errors.js';
import { pasr, pasrBytes } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'pasr-files-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function dir(name: string): string {
  const d = join(work, name);
  mkdirSync(d);
  return d;
}

function fifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

/**
 * A character device to aim at. As root (CI), a copy of /dev/full's node in a scratch folder,
 * so a regression replaces that copy and not the machine's /dev/full; as any other user,
 * /dev/full itself, which nobody else can replace.
 */
function charDevice(d: string): string {
  if (process.getuid?.() !== 0) return '/dev/full';
  const node = join(d, 'full');
  execFileSync('mknod', [node, 'c', '1', '7']);
  return node;
}

/** What a child's standard output is when spawned as pasr() spawns it. */
function spawnedStdoutKind(): string {
  const kind = execFileSync(
    process.execPath,
    [
      '-e',
      "const s=require('fs').fstatSync(1);console.log(s.isFIFO()?'FIFO (named pipe)':s.isSocket()?'socket':'other')",
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return kind.trim();
}

const REFUSED = 'pasr writes only regular files and replaces nothing else (give - for standard output)';

describe('pasr boot --trace OUT', () => {
  it('writes a new file, and replaces a regular file whole, keeping its permissions and leaving no temporary file', () => {
    const d = dir('regular');
    const out = join(d, 'boot.pasrtrace');
    writeFileSync(out, 'old contents');
    chmodSync(out, 0o640);
    const r = pasr('boot', '--board', 'pandaboard-es', '--trace', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\ntrace: \d+ events written to .*boot\.pasrtrace\n$/);
    expect(decodeTrace(readFileSync(out), out).board).toBe('pandaboard-es');
    expect(statSync(out).mode & 0o777).toBe(0o640);
    expect(readdirSync(d)).toEqual(['boot.pasrtrace']);
  });

  it('writes through a symlink to a regular file: the file is replaced, the link stays', () => {
    const d = dir('link-to-file');
    const real = join(d, 'real.pasrtrace');
    writeFileSync(real, 'old');
    const link = join(d, 'latest.pasrtrace');
    symlinkSync(real, link);
    expect(pasr('boot', '--board', 'snowball', '--trace', link).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(real);
    expect(decodeTrace(readFileSync(real), real).board).toBe('snowball');
    expect(readdirSync(d).sort()).toEqual(['latest.pasrtrace', 'real.pasrtrace']);
  });

  it('refuses a character device and leaves it one', () => {
    const d = dir('device');
    const dev = charDevice(d);
    const r = pasr('boot', '--board', 'pandaboard-es', '--trace', dev);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`pasr: ${dev}: is a character device; ${REFUSED}\n`);
    expect(statSync(dev).isCharacterDevice()).toBe(true);
    expect(readdirSync(d).filter((f) => f !== 'full')).toEqual([]);
  });

  it('refuses a FIFO, a symlink to standard output and a directory, and replaces none of them', () => {
    const d = dir('special');
    const pipe = fifo(join(d, 'pipe'));
    const stdoutLink = join(d, 'stdout');
    symlinkSync('/proc/self/fd/1', stdoutLink);
    const sub = dir('special/sub');
    expect(pasr('boot', '--board', 'pandaboard-es', '--trace', pipe).stderr).toBe(
      `pasr: ${pipe}: is a FIFO (named pipe); ${REFUSED}\n`,
    );
    const r = { ...pasr('boot', '--board', 'pandaboard-es', '--trace', stdoutLink), stdoutKind: spawnedStdoutKind() };
    expect(r.code).toBe(1);
    // Standard output of the run is a pipe or a socket pair, as the spawner made it.
    expect(r.stderr).toBe(`pasr: ${stdoutLink}: is a symlink to a ${r.stdoutKind}; ${REFUSED}\n`);
    expect(pasr('boot', '--board', 'pandaboard-es', '--trace', sub).stderr).toBe(
      `pasr: ${sub}: is a directory; ${REFUSED}\n`,
    );
    expect(lstatSync(pipe).isFIFO()).toBe(true);
    expect(readlinkSync(stdoutLink)).toBe('/proc/self/fd/1');
    expect(readdirSync(d).sort()).toEqual(['pipe', 'stdout', 'sub']);
    expect(readdirSync(sub)).toEqual([]);
  });

  it('refuses an empty path and a dangling symlink', () => {
    const empty = pasr('boot', '--board', 'pandaboard-es', '--trace', '');
    expect(empty.code).toBe(2);
    expect(empty.stdout).toBe('');
    expect(empty.stderr).toBe('pasr: --trace "": empty; give an output file name, or - for standard output\n');
    const d = dir('dangling');
    const link = join(d, 'gone.pasrtrace');
    symlinkSync(join(d, 'nowhere', 'x'), link);
    expect(pasr('boot', '--board', 'pandaboard-es', '--trace', link).stderr).toBe(
      `pasr: ${link}: cannot write: is a symlink to nothing\n`,
    );
    expect(readdirSync(d)).toEqual(['gone.pasrtrace']);
  });

  it('names the target, never a temporary file, when it cannot write', () => {
    const out = join(work, 'no-such-folder', 'boot.pasrtrace');
    const r = pasr('boot', '--board', 'pandaboard-es', '--trace', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`pasr: ${out}: cannot write: no such directory\n`);
  });

  it('- writes the trace to standard output and the summary to standard error', () => {
    const r = pasrBytes({}, 'boot', '--board', 'imx8mm-evk', '--trace', '-');
    expect(r.code).toBe(0);
    const trace = decodeTrace(new Uint8Array(r.stdout), 'stdout');
    expect(trace.board).toBe('imx8mm-evk');
    expect(r.stderr).toMatch(/^Booted imx8mm-evk: /);
    expect(r.stderr).toContain(`\ntrace: ${trace.events.length} events written to standard output\n`);
    expect(pasr('boot', '--board', 'imx8mm-evk', '--trace', '-', '--json').stderr).toBe(
      'pasr: --trace -: the trace takes standard output, so --json cannot\n',
    );
  });
});

describe('input files', () => {
  it('refuses a device as a board config at once, without reading it', () => {
    for (const dev of ['/dev/zero', '/dev/urandom']) {
      const r = pasrBytes({ timeoutMs: 10_000 }, 'boot', '--board', dev);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`pasr: ${dev}: is a character device; a board config must be a regular file\n`);
    }
  });

  it('refuses a FIFO with no writer as a board config or a trace, without waiting for one', () => {
    const d = dir('fifo-in');
    const pipe = fifo(join(d, 'board.json'));
    const r = pasrBytes({ timeoutMs: 10_000 }, 'boards', 'validate', pipe);
    // boards validate goes on past a file it cannot read: its line says why, the summary follows.
    expect(r.code).toBe(1);
    expect(r.stdout.toString('utf8')).toBe(`${pipe}: is a FIFO (named pipe); a board config must be a regular file\n`);
    expect(r.stderr).toBe(`pasr: ${pipe} is not a valid board config\n`);
    const t = pasrBytes({ timeoutMs: 10_000 }, 'inspect', pipe);
    expect(t.stderr).toBe(`pasr: ${pipe}: is a FIFO (named pipe); a trace must be a regular file\n`);
  });

  it('refuses a device or a directory as a trace, for inspect and for board replay', () => {
    expect(pasrBytes({ timeoutMs: 10_000 }, 'inspect', '/dev/zero').stderr).toBe(
      'pasr: /dev/zero: is a character device; a trace must be a regular file\n',
    );
    const r = pasrBytes({ timeoutMs: 10_000 }, 'board', 'replay', '--board', 'pandaboard-es', '--dry-run', work);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`pasr: ${work}: is a directory; a trace must be a regular file\n`);
  });

  it('refuses a file past the size limit before reading it', () => {
    const big = join(work, 'big.pasrtrace');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, MAX_INPUT_BYTES + 1); // sparse: no disk used
    closeSync(fd);
    const r = pasrBytes({ timeoutMs: 10_000 }, 'inspect', big);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `pasr: ${big}: ${MAX_INPUT_BYTES + 1} bytes is too large for a trace (limit ${MAX_INPUT_BYTES})\n`,
    );
  });

  it('bounds the read itself, for files whose size says nothing (/proc)', () => {
    expect(statSync('/proc/self/status').size).toBe(0);
    expect(readInput('/proc/self/status', 'status file').toString('latin1')).toMatch(/^Name:\t/);
    expect(() => readInput('/proc/self/status', 'status file', 100)).toThrow(
      new CliError('/proc/self/status: more than 100 bytes is too large for a status file (limit 100)'),
    );
  });
});
