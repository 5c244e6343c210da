import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { lstatSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import type { ByteStream } from '../../hal/uboot/byte-stream.js';
import { CliError } from '../errors.js';

/**
 * A real pseudo-terminal for the virtual board, made by socat (Debian package `socat`):
 *
 *   socat -d -d pty,raw,echo=0[,link=PATH] STDIO
 *
 * socat creates the pty (and the symlink), prints `PTY is /dev/pts/N` on stderr, and copies
 * bytes between the pty master and its stdin/stdout, which we hold as a ByteStream. Why socat:
 * Node has no pty API, and node-pty needs a native build; socat is one apt package, and
 * clients that open the pty (serialport, screen, picocom) see a real tty. socat keeps running
 * when a client closes the pty, so clients may come and go; it exits (and removes the link)
 * when its stdin closes or it is killed.
 */
export interface Pty {
  /** /dev/pts/N */
  readonly path: string;
  /** The symlink socat made, when asked. */
  readonly link: string | undefined;
  /** Bytes to and from the pty master. */
  readonly stream: ByteStream;
  readonly pid: number | undefined;
  /** Stop socat (removes the link); resolves when it has exited. */
  close(): Promise<void>;
  /** Resolves when socat exits, for whatever reason. */
  readonly exited: Promise<number | null>;
}

export interface OpenPtyOptions {
  readonly link?: string;
  /** socat executable (default `socat` on PATH). */
  readonly socat?: string;
  /** How long to wait for socat to report the pty. Default 5000 ms. */
  readonly startTimeoutMs?: number;
}

export function openPty(options: OpenPtyOptions = {}): Promise<Pty> {
  const link = options.link !== undefined ? resolve(options.link) : undefined;
  if (link !== undefined) {
    let st: Stats | undefined;
    try {
      st = lstatSync(link);
    } catch {
      st = undefined;
    }
    if (st && !st.isSymbolicLink())
      throw new CliError(`--link ${link}: exists and is not a symlink; refusing to replace it`);
    if (/[,!:]/.test(link)) throw new CliError(`--link ${link}: socat cannot take a path with ',', '!' or ':'`);
  }
  const address = `pty,raw,echo=0${link !== undefined ? `,link=${link}` : ''}`;
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn(options.socat ?? 'socat', ['-d', '-d', address, 'STDIO'], { stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    throw new CliError(`cannot start socat: ${(e as Error).message}`);
  }
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const dataListeners = new Set<(b: Uint8Array) => void>();
  const closeListeners = new Set<(e?: Error) => void>();
  let gone = false;
  const fireClose = (e?: Error) => {
    if (gone) return;
    gone = true;
    for (const l of [...closeListeners]) l(e);
  };
  child.stdout.on('data', (b: Buffer) => {
    const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    for (const l of [...dataListeners]) l(bytes);
  });
  child.stdin.on('error', (e) => fireClose(e));
  void exited.then((code) => fireClose(new Error(`socat exited (${code})`)));

  const stream: ByteStream = {
    write(bytes) {
      if (gone) throw new Error('EIO: the pty server (socat) has exited');
      return new Promise<void>((res, rej) => child.stdin.write(Buffer.from(bytes), (e) => (e ? rej(e) : res())));
    },
    onData(cb) {
      dataListeners.add(cb);
      return () => dataListeners.delete(cb);
    },
    onClose(cb) {
      closeListeners.add(cb);
      return () => closeListeners.delete(cb);
    },
  };

  return new Promise<Pty>((resolvePty, reject) => {
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(
        new CliError(
          `socat did not report a pty within ${options.startTimeoutMs ?? 5000} ms: ${stderr.trim() || '(no output)'}`,
        ),
      );
    }, options.startTimeoutMs ?? 5000);
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new CliError(
          e.code === 'ENOENT'
            ? 'socat is not installed: the virtual board needs it for its pseudo-terminal (Debian: apt-get install socat)'
            : `cannot start socat: ${e.message}`,
        ),
      );
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new CliError(`socat exited (${code}) before the pty was ready: ${stderr.trim()}`));
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString('utf8');
      const m = /PTY is (\S+)/.exec(stderr);
      if (m && /starting data transfer loop/.test(stderr)) {
        clearTimeout(timer);
        resolvePty({
          path: m[1]!,
          link,
          stream,
          pid: child.pid,
          exited,
          close: async () => {
            if (child.exitCode === null && child.signalCode === null) {
              child.stdin.end();
              child.kill('SIGTERM');
            }
            await exited;
          },
        });
      }
    });
  });
}
