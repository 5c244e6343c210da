import { closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ReadStream } from 'node:tty';
import type { ByteStream } from '../../hal/uboot/byte-stream.js';
import { CliError } from '../errors.js';
import { holdRawTerminal } from './open-port.js';

/**
 * A real pseudo-terminal for the virtual board, from openpty(3) in the prebuilt addon of
 * @lydell/node-pty (one package per platform, no compiler, no system package). The console
 * serves on the master; clients (serialport, screen, picocom) open the slave, /dev/pts/N,
 * and see a real tty.
 *
 * - The slave is set raw (no echo, no line editing, no CR/LF mapping, as a UART line) by
 *   opening it as a serial client does, and that handle is held, never read, while the pty
 *   lives: with no slave open a read on the master fails, so clients may come and go.
 * - Bytes written while no client has the slave open wait in its input queue; a serial
 *   client flushes them when it opens the port.
 * - Closing the pty (or the process ending) closes the master: /dev/pts/N vanishes and an
 *   open client reads end-of-file or EIO. A `--link` to it is pty-link.ts's business.
 * - The addon opens the master without close-on-exec: a child process started while the
 *   pty is open inherits it (`pasr board serve` starts none).
 */
export interface Pty {
  /** /dev/pts/N */
  readonly path: string;
  /** Bytes to and from the pty master. */
  readonly stream: ByteStream;
  /** Close the pty; resolves when the master is closed. Idempotent. */
  close(): Promise<void>;
  /** Resolves when the master closes, with the error when it was not `close()` that closed it. */
  readonly closed: Promise<Error | undefined>;
}

interface PtyAddon {
  open(cols: number, rows: number): { master: number; slave: number; pty: string };
}

function loadAddon(): PtyAddon {
  const name = `@lydell/node-pty-${process.platform}-${process.arch}`;
  try {
    return createRequire(import.meta.url)(`${name}/pty.node`) as PtyAddon;
  } catch (e) {
    throw new CliError(
      `the virtual board needs a pseudo-terminal, and its addon ${name} cannot be loaded (${(e as Error).message.split('\n')[0]}): run npm ci (without --omit=optional); @lydell/node-pty ships linux-x64, linux-arm64, darwin-x64 and darwin-arm64`,
    );
  }
}

export async function openPty(): Promise<Pty> {
  const addon = loadAddon();
  let fds: ReturnType<PtyAddon['open']>;
  try {
    fds = addon.open(80, 24);
  } catch (e) {
    throw new CliError(`cannot open a pseudo-terminal: ${(e as Error).message}`);
  }
  const path = fds.pty;
  let slave: Awaited<ReturnType<typeof holdRawTerminal>>;
  try {
    slave = await holdRawTerminal(path);
  } catch (e) {
    closeSync(fds.master);
    throw new CliError(`${path}: cannot set the new pseudo-terminal raw: ${(e as Error).message}`);
  } finally {
    closeSync(fds.slave);
  }
  const master = new ReadStream(fds.master);

  const dataListeners = new Set<(b: Uint8Array) => void>();
  const closeListeners = new Set<(e?: Error) => void>();
  let gone = false;
  let failure: Error | undefined;
  const closed = new Promise<Error | undefined>((res) =>
    master.once('close', () => {
      gone = true;
      void slave.close().catch(() => undefined);
      for (const l of [...closeListeners]) l(failure);
      res(failure);
    }),
  );
  master.on('data', (b: Buffer) => {
    const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    for (const l of [...dataListeners]) l(bytes);
  });
  master.on('error', (e) => {
    failure ??= e;
    master.destroy();
  });

  const stream: ByteStream = {
    write(bytes) {
      if (gone) return Promise.reject(new Error(`EIO: the pseudo-terminal ${path} is closed`));
      return new Promise<void>((res, rej) => master.write(Buffer.from(bytes), (e) => (e ? rej(e) : res())));
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
  return {
    path,
    stream,
    closed,
    async close() {
      master.destroy();
      await closed;
    },
  };
}
