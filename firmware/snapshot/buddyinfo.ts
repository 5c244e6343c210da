import { SnapshotError, quoteLine } from './snapshot-error.js';

/**
 * /proc/buddyinfo: free blocks per order, per zone: `Node N, zone NAME c0 c1 ... cMAX`. Every line
 * has the same number of orders (NR_PAGE_ORDERS: 11 with 4 KiB pages on x86-64).
 */
export interface BuddyZone {
  readonly node: number;
  readonly zone: string;
  /** Free blocks of each order. */
  readonly blocks: readonly number[];
  readonly line: number;
}

export interface Buddyinfo {
  readonly zones: readonly BuddyZone[];
  /** Number of orders (the highest order + 1). */
  readonly orders: number;
}

const LINE = /^Node\s+(\d+),\s+zone\s+(\S+)((?:\s+\d+)+)\s*$/;

export function parseBuddyinfo(lines: readonly string[], file = 'buddyinfo'): Buddyinfo {
  const zones: BuddyZone[] = [];
  let orders = 0;
  lines.forEach((text, i) => {
    const n = i + 1;
    const m = LINE.exec(text);
    if (!m)
      throw new SnapshotError(file, n, `expected "Node N, zone NAME" and a count per order, got ${quoteLine(text)}`);
    const blocks = m[3]!.trim().split(/\s+/).map(Number);
    if (blocks.some((b) => !Number.isSafeInteger(b))) throw new SnapshotError(file, n, 'a count is too large');
    if (orders === 0) orders = blocks.length;
    else if (blocks.length !== orders)
      throw new SnapshotError(file, n, `${blocks.length} orders where line 1 has ${orders}`);
    if (orders > 20) throw new SnapshotError(file, n, `${orders} orders: more than any kernel has (at most 20)`);
    zones.push({ node: Number(m[1]), zone: m[2]!, blocks, line: n });
  });
  if (zones.length === 0) throw new SnapshotError(file, null, 'empty: no zone line');
  return { zones, orders };
}

/** Free pages the counts stand for: the sum of 2^order x blocks. */
export function buddyFreePages(zone: { readonly blocks: readonly number[] }): number {
  return zone.blocks.reduce((s, b, o) => s + b * 2 ** o, 0);
}
