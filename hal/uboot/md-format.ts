/**
 * The `md` output format of U-Boot 2023.01 (cmd/mem.c → print_buffer), both ways: the
 * virtual console formats lines with it, the console client parses them.
 *
 *   `AAAAAAAA: w0 w1 w2 w3␠␠ASCII` — address `%08x` (more digits above 4 GiB), 16 bytes per
 *   line as units of the access width (4 `.l` words, 8 `.w`, 16 `.b`, 2 `.q`), a partial last
 *   line padded with spaces where the missing units would be, then the gap and the ASCII
 *   column in memory (little-endian) byte order with non-printables as `.`.
 *
 * The gap before the ASCII column is two spaces in 2023.01 (uboot-console.md §5) and differs
 * between versions, so the parser does not depend on it: it uses the reference regex.
 */

export type AccessWidth = 1 | 2 | 4 | 8;

export const MD_BYTES_PER_LINE = 16;
/** Gap between the last unit and the ASCII column in U-Boot 2023.01. */
export const MD_ASCII_GAP_2023_01 = '  ';

/** The regex from uboot-console.md §5: address, units, optional ASCII column. */
export const MD_LINE_RE = /^([0-9a-fA-F]+):((?: [0-9a-fA-F]{2,16})+)(?: {2,}(.*))?$/;

export function widthSuffix(width: AccessWidth): 'b' | 'w' | 'l' | 'q' {
  return width === 1 ? 'b' : width === 2 ? 'w' : width === 4 ? 'l' : 'q';
}

/** `%08lx` of an address (plain number, may exceed 32 bits). */
export function formatMdAddress(address: number): string {
  return address.toString(16).padStart(8, '0');
}

/**
 * One md line from the bytes it shows (memory order, a whole number of units, at most 16 bytes).
 * The returned text has no line terminator.
 */
export function formatMdLine(
  address: number,
  bytes: Uint8Array,
  width: AccessWidth,
  gap = MD_ASCII_GAP_2023_01,
): string {
  if (bytes.length % width !== 0 || bytes.length > MD_BYTES_PER_LINE) {
    throw new RangeError(
      `md line of ${bytes.length} bytes is not a whole number of ${width}-byte units within 16 bytes`,
    );
  }
  let s = formatMdAddress(address) + ':';
  const units = bytes.length / width;
  for (let u = 0; u < units; u++) {
    let hex = '';
    for (let b = width - 1; b >= 0; b--) hex += bytes[u * width + b]!.toString(16).padStart(2, '0');
    s += ' ' + hex;
  }
  for (let u = units; u < MD_BYTES_PER_LINE / width; u++) s += ' '.repeat(width * 2 + 1);
  s += gap;
  for (const c of bytes) s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  return s;
}

export interface MdLine {
  readonly address: number;
  /** Unit values as hex strings (a `.q` unit may exceed 2^53, so no number for it). */
  readonly units: readonly string[];
  readonly ascii: string | undefined;
}

/** Parse one md line, or undefined when the line is not md output. */
export function parseMdLine(line: string): MdLine | undefined {
  const m = MD_LINE_RE.exec(line);
  if (!m) return undefined;
  return { address: parseInt(m[1]!, 16), units: m[2]!.trim().split(' '), ascii: m[3] };
}

export type MdParseResult =
  | { readonly ok: true; readonly values: number[] }
  | { readonly ok: false; readonly problem: string };

/**
 * Parse the output of `md.<w> <address> <count>` (width 1, 2 or 4) into `count` values.
 * Checks that every line parses, that addresses follow on from `address`, that each unit has
 * the width's number of hex digits, and that exactly `count` units came back.
 */
export function parseMdOutput(output: string, address: number, count: number, width: 1 | 2 | 4): MdParseResult {
  const values: number[] = [];
  const lines = output.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines.length === 0)
    return { ok: false, problem: 'md printed nothing (U-Boot prints nothing for a bad size or a zero count)' };
  let expectAddr = address;
  for (const line of lines) {
    const md = parseMdLine(line);
    if (!md) return { ok: false, problem: `not an md line: ${JSON.stringify(line.slice(0, 100))}` };
    if (md.address !== expectAddr) {
      return {
        ok: false,
        problem: `md line at 0x${md.address.toString(16)} where 0x${expectAddr.toString(16)} was expected`,
      };
    }
    for (const u of md.units) {
      if (u.length !== width * 2) return { ok: false, problem: `md unit ${u} is not ${width * 2} hex digits wide` };
      values.push(parseInt(u, 16));
    }
    expectAddr += md.units.length * width;
  }
  if (values.length !== count)
    return { ok: false, problem: `md returned ${values.length} values, ${count} were asked for` };
  return { ok: true, values };
}
