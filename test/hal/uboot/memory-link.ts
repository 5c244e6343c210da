import type { ByteStream } from '../../../hal/uboot/byte-stream.js';

/**
 * Two ByteStreams connected back to back, in memory: what one side writes the other side
 * receives, asynchronously (on a microtask, like a real port delivers on a later tick).
 * Used to connect the console client to the virtual console server without a pty.
 *
 * `fragment` splits each write into pieces before delivery (data on a real line arrives in
 * arbitrary fragments); `close()` ends both sides, as a peer that disappears does.
 */
export interface MemoryLink {
  readonly a: ByteStream;
  readonly b: ByteStream;
  /** Close both ends: pending and later writes fail, close listeners run once. */
  close(reason?: Error): void;
  readonly closed: boolean;
}

export function createMemoryLink(opts: { fragment?: (bytes: Uint8Array) => Uint8Array[] } = {}): MemoryLink {
  type End = { data: Set<(b: Uint8Array) => void>; close: Set<(e?: Error) => void> };
  const ends: [End, End] = [
    { data: new Set(), close: new Set() },
    { data: new Set(), close: new Set() },
  ];
  let closed = false;
  let closeReason: Error | undefined;

  const side = (self: End, peer: End): ByteStream => ({
    write(bytes: Uint8Array) {
      if (closed)
        throw new Error(`EIO: i/o error, write (memory link closed${closeReason ? `: ${closeReason.message}` : ''})`);
      const copy = bytes.slice();
      const pieces = opts.fragment ? opts.fragment(copy) : [copy];
      queueMicrotask(() => {
        if (closed) return;
        for (const p of pieces) for (const l of [...peer.data]) l(p);
      });
    },
    onData(cb) {
      self.data.add(cb);
      return () => self.data.delete(cb);
    },
    onClose(cb) {
      self.close.add(cb);
      return () => self.close.delete(cb);
    },
  });

  return {
    a: side(ends[0], ends[1]),
    b: side(ends[1], ends[0]),
    close(reason?: Error) {
      if (closed) return;
      closed = true;
      closeReason = reason;
      for (const e of ends) for (const l of [...e.close]) l(reason);
    },
    get closed() {
      return closed;
    },
  };
}
