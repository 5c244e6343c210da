/**
 * The snapshots captured with `pasr snapshot capture` on a real machine (test/fixtures/snapshots/):
 * an x86-64 VM with 24 GiB of RAM, Linux 6.18, whose kernel brings its memory up lazily
 * (deferred struct-page init, `deferred_init=lazy`): RAM above what it has needed so far reads as
 * pages with no flag. `x86-vm-dropped-caches` was taken right after `echo 3 > drop_caches`;
 * `x86-vm-page-cache-and-anon` with 5 GiB of a file in the page cache, 384 MiB of it dirty, and a
 * process holding 3 GiB of anonymous memory.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll } from 'vitest';
import { type LoadedSnapshot, readSnapshot } from '../../../cli/snapshot/read-snapshot.js';

export const SNAPSHOTS = join(import.meta.dirname, '..', '..', 'fixtures', 'snapshots');
export const DROPPED = join(SNAPSHOTS, 'x86-vm-dropped-caches');
export const BUSY = join(SNAPSHOTS, 'x86-vm-page-cache-and-anon');

export function loadSnapshot(dir: string): Promise<LoadedSnapshot> {
  return readSnapshot(dir);
}

/** The raw kpageflags entries of a fixture. */
export function rawFlags(dir: string): Buffer {
  return gunzipSync(readFileSync(join(dir, 'kpageflags.gz')));
}

const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

/** A copy of a fixture in a temporary folder, with some of its files replaced (null: removed). */
export function variantOf(dir: string, files: Record<string, Uint8Array | string | null>): string {
  const out = mkdtempSync(join(tmpdir(), 'pasr-snapshot-'));
  scratch.push(out);
  cpSync(dir, out, { recursive: true });
  for (const [name, data] of Object.entries(files)) {
    if (data === null) rmSync(join(out, name));
    else writeFileSync(join(out, name), data);
  }
  return out;
}
