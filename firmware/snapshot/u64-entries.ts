/**
 * The per-page-frame files of /proc (kpageflags, kpagecount) are arrays of little-endian u64
 * entries. This splits a stream of chunks of any size into entries, keeping an entry split
 * across two chunks, and hands each one over as its low and high 32 bits.
 */
export class U64Entries {
  private readonly carry = new Uint8Array(8);
  private readonly carryView = new DataView(this.carry.buffer);
  private carried = 0;
  /** Entries handed over so far. */
  count = 0;

  constructor(private readonly onEntry: (lo: number, hi: number) => void) {}

  push(chunk: Uint8Array): void {
    let off = 0;
    if (this.carried > 0) {
      const take = Math.min(8 - this.carried, chunk.length);
      this.carry.set(chunk.subarray(0, take), this.carried);
      this.carried += take;
      off = take;
      if (this.carried < 8) return;
      this.carried = 0;
      this.count++;
      this.onEntry(this.carryView.getUint32(0, true), this.carryView.getUint32(4, true));
    }
    const whole = off + Math.floor((chunk.length - off) / 8) * 8;
    const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const on = this.onEntry;
    for (let i = off; i < whole; i += 8) on(dv.getUint32(i, true), dv.getUint32(i + 4, true));
    this.count += (whole - off) / 8;
    if (whole < chunk.length) {
      this.carry.set(chunk.subarray(whole));
      this.carried = chunk.length - whole;
    }
  }

  /** Bytes of an entry begun but not finished (a file that is not a whole number of entries). */
  get partialBytes(): number {
    return this.carried;
  }
}
