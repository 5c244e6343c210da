import type { ByteStream, Timer } from '../../hal/uboot/byte-stream.js';

/**
 * Host adapters for the console code: a serial-port-shaped object → ByteStream, and the real
 * timer. No `serialport` import here (open-port.ts is the only module with one): the adapter
 * takes anything shaped like a SerialPort stream, so tests pass `SerialPortMock` to it.
 */

/** The part of serialport's SerialPortStream the adapter uses. */
export interface SerialPortLike {
  readonly path: string;
  readonly isOpen: boolean;
  write(data: Buffer, cb?: (error: Error | null | undefined) => void): boolean;
  on(event: 'data', cb: (data: Buffer) => void): unknown;
  on(event: 'close', cb: (error?: Error | null) => void): unknown;
  on(event: 'error', cb: (error: Error) => void): unknown;
  off(event: 'data' | 'close' | 'error', cb: (...args: never[]) => void): unknown;
  close(cb?: (error?: Error | null) => void): void;
}

export interface PortStream extends ByteStream {
  readonly path: string;
  /** Close the port (idempotent); resolves when it is closed. */
  close(): Promise<void>;
}

/** The wall-clock timer, injected into hal/ from here. */
export const hostTimer: Timer = {
  after(ms, cb) {
    const t = setTimeout(cb, ms);
    return () => clearTimeout(t);
  },
};

/**
 * Adapt an open port. `close` listeners run once, on the port's `close` or `error` event, or
 * when `watch` reports the device gone (a pty whose other end exited may send no close
 * event by itself: reference uboot-console.md §9).
 */
export function adaptPort(
  port: SerialPortLike,
  opts: { watchGone?: () => boolean; watchMs?: number } = {},
): PortStream {
  const dataListeners = new Set<(b: Uint8Array) => void>();
  const closeListeners = new Set<(e?: Error) => void>();
  let closed = false;
  let watch: ReturnType<typeof setInterval> | undefined;

  const fireClose = (e?: Error) => {
    if (closed) return;
    closed = true;
    if (watch) clearInterval(watch);
    for (const l of [...closeListeners]) l(e);
  };
  const onData = (b: Buffer) => {
    const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    for (const l of [...dataListeners]) l(bytes);
  };
  const onClose = (e?: Error | null) => fireClose(e ?? undefined);
  const onError = (e: Error) => fireClose(e);
  port.on('data', onData);
  port.on('close', onClose);
  port.on('error', onError);
  if (opts.watchGone) {
    const gone = opts.watchGone;
    watch = setInterval(() => {
      if (gone()) fireClose(new Error(`${port.path} disappeared`));
    }, opts.watchMs ?? 200);
    watch.unref?.();
  }

  return {
    path: port.path,
    write(bytes) {
      if (closed) return Promise.reject(new Error(`${port.path} is closed`));
      return new Promise<void>((resolve, reject) => {
        port.write(Buffer.from(bytes), (e) => (e ? reject(e) : resolve()));
      });
    },
    onData(cb) {
      dataListeners.add(cb);
      return () => dataListeners.delete(cb);
    },
    onClose(cb) {
      closeListeners.add(cb);
      return () => closeListeners.delete(cb);
    },
    close() {
      if (watch) clearInterval(watch);
      port.off('data', onData as (...args: never[]) => void);
      return new Promise<void>((resolve) => {
        if (!port.isOpen) {
          fireClose();
          resolve();
          return;
        }
        port.close(() => {
          fireClose();
          resolve();
        });
      });
    },
  };
}
