import { SnapshotError, quoteLine } from './snapshot-error.js';

/**
 * /proc/iomem: the physical address map. Every line is `START-END : NAME` in hex, END inclusive,
 * children indented by two spaces under their parent. RAM is every resource whose name starts with
 * `System RAM` at any depth (`System RAM (virtio_mem)` and `System RAM (kmem)` sit under a device
 * resource). Read without root, every address is 0: such a file is refused.
 */
export interface RamRange {
  /** Byte addresses, end exclusive. */
  readonly start: number;
  readonly end: number;
  /** 1-based line in the file. */
  readonly line: number;
  readonly name: string;
}

export interface Iomem {
  /** RAM resources, sorted by address, not overlapping. */
  readonly ram: readonly RamRange[];
}

const LINE = /^( *)([0-9a-fA-F]{1,16})-([0-9a-fA-F]{1,16}) : (.*)$/;

export function parseIomem(lines: readonly string[], file = 'iomem'): Iomem {
  const ram: RamRange[] = [];
  let nonZero = false;
  lines.forEach((text, i) => {
    const n = i + 1;
    const m = LINE.exec(text);
    if (!m) throw new SnapshotError(file, n, `expected "START-END : NAME" (hex addresses), got ${quoteLine(text)}`);
    const start = BigInt(`0x${m[2]!}`);
    const last = BigInt(`0x${m[3]!}`);
    if (last < start) throw new SnapshotError(file, n, `range ends (0x${m[3]}) before it starts (0x${m[2]})`);
    if (start !== 0n || last !== 0n) nonZero = true;
    const name = m[4]!;
    if (!name.startsWith('System RAM')) return;
    if (last >= 2n ** 52n) throw new SnapshotError(file, n, `RAM above 2^52 bytes (0x${m[3]}) is not supported`);
    ram.push({ start: Number(start), end: Number(last) + 1, line: n, name });
  });
  if (ram.length === 0)
    throw new SnapshotError(file, null, 'no "System RAM" resource: not /proc/iomem of a Linux machine');
  if (!nonZero)
    throw new SnapshotError(file, null, 'every address is 0: /proc/iomem was read without root (capture it as root)');
  ram.sort((a, b) => a.start - b.start);
  for (let i = 1; i < ram.length; i++) {
    const a = ram[i - 1]!;
    const b = ram[i]!;
    if (b.start < a.end)
      throw new SnapshotError(
        file,
        b.line,
        `System RAM at 0x${b.start.toString(16)} overlaps the one on line ${a.line}`,
      );
  }
  return { ram };
}
