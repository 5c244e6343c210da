/** Bit helpers that stay correct for width 32 and read results as unsigned. */

export function u32(x: number): number {
  return x >>> 0;
}

/** Mask of `width` ones (0 < width <= 32). */
export function mask(width: number): number {
  return width >= 32 ? 0xffffffff : ((1 << width) >>> 0) - 1;
}

/** Value of the field [shift, shift+width) of `value`. */
export function extract(value: number, shift: number, width: number): number {
  return ((value >>> shift) & mask(width)) >>> 0;
}

/** `value` with the field [shift, shift+width) replaced by `x` (which must fit). */
export function deposit(value: number, shift: number, width: number, x: number): number {
  const m = mask(width);
  if (!Number.isInteger(x) || x < 0 || x > m) {
    throw new RangeError(`value ${x} does not fit a ${width}-bit field`);
  }
  return ((value & ~((m << shift) >>> 0)) | ((x << shift) >>> 0)) >>> 0;
}

export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Bit `n` of a non-negative integer that may exceed 2^32 (physical addresses). */
export function bitOf(x: number, n: number): number {
  return Math.floor(x / 2 ** n) % 2;
}

export function isPowerOfTwo(x: number): boolean {
  return Number.isInteger(x) && x > 0 && 2 ** Math.round(Math.log2(x)) === x;
}

export function log2Exact(x: number): number {
  if (!isPowerOfTwo(x)) throw new RangeError(`${x} is not a power of two`);
  return Math.round(Math.log2(x));
}

/**
 * `0x` and the hex digits of an integer, zero-padded to `digits`: 8 for a 32-bit register or an
 * address (wider addresses keep all their digits), 2 for a byte, 1 for no padding. Exact up to
 * 2^53 (no bitwise ops); a negative 32-bit value, as bitwise ops return, reads as unsigned.
 */
export function hex(x: number, digits = 8): string {
  const v = x < 0 && x >= -0x80000000 ? x >>> 0 : x;
  return `0x${v.toString(16).padStart(digits, '0')}`;
}

/** Bytes as a dump, two digits each, space-separated: `89 50 41 53`. */
export function hexBytes(bytes: Iterable<number>): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
