import { lstatSync, readlinkSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError } from '../errors.js';
import { errnoText } from '../files.js';

/**
 * The `--link PATH` of `pasr board serve`: a symlink to the served pty that this process makes
 * and removes. A path that already exists belongs to someone else (another server's link, a
 * file, a link left by a server that was killed) and is never replaced; on exit the link is
 * removed only while it is still ours (pointing at our pty).
 */
export interface PtyLink {
  readonly path: string;
  /** Remove the link if it still points at our pty. */
  release(): void;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Why an existing path is refused, with what it is. */
function describeExisting(path: string): string {
  let what = 'a file';
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) {
      const target = readlinkSync(path);
      let live = true;
      try {
        statSync(path);
      } catch {
        live = false;
      }
      what = live
        ? `a link to ${target}: another pasr board serve may be using it`
        : `a link to ${target}, which no longer exists: left by a server that did not stop cleanly? remove it`;
    } else if (st.isDirectory()) what = 'a directory';
    else if (st.isCharacterDevice()) what = 'a device';
  } catch {
    what = 'something';
  }
  return `--link ${path}: already exists (${what}); pasr does not replace a path it did not create: give another path`;
}

/** Refuse a path that exists, before anything is started. */
export function checkLinkFree(path: string): string {
  const p = resolve(path);
  if (exists(p)) throw new CliError(describeExisting(p));
  return p;
}

/** Create the link to `target` (atomically: a path that appeared meanwhile is refused too). */
export function claimLink(path: string, target: string): PtyLink {
  const p = checkLinkFree(path);
  try {
    symlinkSync(target, p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new CliError(describeExisting(p));
    throw new CliError(`--link ${p}: cannot create the link: ${errnoText(e)}`);
  }
  return {
    path: p,
    release() {
      try {
        if (readlinkSync(p) === target) unlinkSync(p);
      } catch {
        // already gone, or replaced by something that is not a link: not ours to remove
      }
    },
  };
}
