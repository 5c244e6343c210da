import { SnapshotError, quoteLine } from './snapshot-error.js';

/** /proc/meminfo: `Key:   value kB` (or a plain count, HugePages_Total). Values in kB are turned into bytes. */
export type Meminfo = ReadonlyMap<string, number>;

const LINE = /^([A-Za-z0-9_()]+):\s+(\d+)( kB)?\s*$/;

export function parseMeminfo(lines: readonly string[], file = 'meminfo'): Meminfo {
  const out = new Map<string, number>();
  lines.forEach((text, i) => {
    const m = LINE.exec(text);
    if (!m) throw new SnapshotError(file, i + 1, `expected "Key: value kB", got ${quoteLine(text)}`);
    const v = Number(m[2]) * (m[3] ? 1024 : 1);
    if (!Number.isSafeInteger(v)) throw new SnapshotError(file, i + 1, `${m[1]}: value too large`);
    out.set(m[1]!, v);
  });
  for (const key of ['MemTotal', 'MemFree'])
    if (!out.has(key)) throw new SnapshotError(file, null, `no ${key} line: not /proc/meminfo`);
  return out;
}
