import { describe, expect, it } from 'vitest';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimLink } from '../../../cli/serial/pty-link.js';
import { CliError } from '../../../cli/errors.js';

/** The `--link` of `pasr board serve`: made by us, never taken over, removed only while ours. */

const dir = mkdtempSync(join(tmpdir(), 'pasr-link-'));

describe('the link to a served pty', () => {
  it('is made at a free path and removed on release', () => {
    const path = join(dir, 'ttyA');
    const link = claimLink(path, '/dev/pts/41');
    expect(readlinkSync(path)).toBe('/dev/pts/41');
    link.release();
    expect(() => lstatSync(path)).toThrow(/ENOENT/);
  });

  it('is refused where another server has its link, which stays as it was', () => {
    const path = join(dir, 'ttyB');
    const first = claimLink(path, '/dev/null');
    expect(() => claimLink(path, '/dev/pts/42')).toThrow(
      `--link ${path}: already exists (a link to /dev/null: another pasr board serve may be using it); pasr does not replace a path it did not create: give another path`,
    );
    expect(readlinkSync(path)).toBe('/dev/null');
    first.release();
  });

  it('is refused over a file, a directory or a stale link, naming what is there', () => {
    const file = join(dir, 'file');
    writeFileSync(file, 'data\n');
    expect(() => claimLink(file, '/dev/pts/43')).toThrow(/already exists \(a file\)/);
    expect(readFileSync(file, 'utf8')).toBe('data\n');
    expect(() => claimLink(dir, '/dev/pts/43')).toThrow(/already exists \(a directory\)/);
    const stale = join(dir, 'stale');
    symlinkSync(join(dir, 'gone'), stale);
    expect(() => claimLink(stale, '/dev/pts/43')).toThrow(
      `--link ${stale}: already exists (a link to ${join(dir, 'gone')}, which no longer exists: left by a server that did not stop cleanly? remove it); pasr does not replace a path it did not create: give another path`,
    );
    expect(() => claimLink(join(dir, 'no-dir', 'tty'), '/dev/pts/43')).toThrow(CliError);
  });

  it('is refused over a stale link to a pseudo-terminal that is gone, which stays as it was', () => {
    const stale = join(dir, 'ttyStale');
    symlinkSync('/dev/pts/999999', stale);
    expect(() => claimLink(stale, '/dev/pts/46')).toThrow(
      `--link ${stale}: already exists (a link to /dev/pts/999999, which no longer exists: left by a server that did not stop cleanly? remove it); pasr does not replace a path it did not create: give another path`,
    );
    expect(readlinkSync(stale)).toBe('/dev/pts/999999');
  });

  it('is not removed on release once someone else has put their own link there', () => {
    const path = join(dir, 'ttyC');
    const ours = claimLink(path, '/dev/pts/44');
    rmSync(path);
    symlinkSync('/dev/pts/45', path);
    ours.release();
    expect(readlinkSync(path)).toBe('/dev/pts/45');
  });
});
