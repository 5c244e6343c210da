/**
 * The two things the U-Boot console code needs from its host, injected from above:
 * a byte stream (a serial port, a pseudo-terminal, or an in-memory link in tests) and a
 * timer (the real one in cli/, a fake or real one in tests). hal/ never opens a port and
 * never reads the wall clock itself.
 */

/** A full-duplex byte stream: what a serial port looks like to the console code. */
export interface ByteStream {
  /** Send bytes. A rejection or a throw means the peer is gone (EIO on a pty, unplugged adapter). */
  write(bytes: Uint8Array): void | Promise<void>;
  /** Subscribe to received bytes (arbitrary fragments); returns an unsubscribe function. */
  onData(cb: (bytes: Uint8Array) => void): () => void;
  /** Subscribe to the end of the stream (peer closed, port error); returns an unsubscribe function. */
  onClose(cb: (error?: Error) => void): () => void;
}

/** Cancel a scheduled callback (no-op once it has run). */
export type Cancel = () => void;

/**
 * Wall-clock-like timer, injected. `after(ms, cb)` runs cb once after about `ms` milliseconds.
 * (Named `after`, not `setTimeout`: hal/ never calls the host timer, and the layering test
 * checks that by name.)
 */
export interface Timer {
  after(ms: number, cb: () => void): Cancel;
}

/** Bytes ↔ string, one char per byte (latin1): console traffic is 7-bit, but garbage may not be. */
export function bytesToText(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) {
    s += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 4096)));
  }
  return s;
}

export function textToBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`character U+${c.toString(16).padStart(4, '0')} at ${i} is not a single byte`);
    out[i] = c;
  }
  return out;
}

/** Show console traffic in messages: quoted, `\r` `\n` `\t` and `\xNN` escapes, long text cut in the middle. */
export function showTraffic(text: string, max = 240): string {
  const cut = text.length > max ? `${text.slice(0, max / 3)}…${text.slice(text.length - (2 * max) / 3)}` : text;
  let out = '"';
  for (const ch of cut) {
    const c = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\r') out += '\\r';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '…') out += ch;
    else if (c < 0x20 || (c >= 0x7f && c <= 0xff)) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}
