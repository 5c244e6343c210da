import { SnapshotError, quoteLine } from './snapshot-error.js';

/**
 * /proc/pagetypeinfo: the pageblock size, free blocks per order and migrate type, and the number
 * of pageblocks of each migrate type per zone. Only the pageblock counts are kept: how many
 * pageblocks the kernel has given to unmovable and reclaimable allocations, which it groups there
 * so that the rest can be emptied (the same grouping PASR relies on).
 */
export interface Pagetypeinfo {
  readonly pagesPerBlock: number;
  /** Migrate types in the order of the file's columns (Unmovable, Movable, Reclaimable, HighAtomic, CMA, Isolate). */
  readonly types: readonly string[];
  readonly zones: readonly {
    readonly node: number;
    readonly zone: string;
    readonly blocks: Readonly<Record<string, number>>;
  }[];
}

const FREE_LINE = /^Node\s+\d+,\s+zone\s+\S+,\s+type\s+\S+(\s+\d+)+\s*$/;
const BLOCKS_HEADER = /^Number of blocks type((?:\s+\S+)+)\s*$/;
const ZONE_LINE = /^Node\s+(\d+),\s+zone\s+(\S+)((?:\s+\d+)+)\s*$/;

export function parsePagetypeinfo(lines: readonly string[], file = 'pagetypeinfo'): Pagetypeinfo {
  let pagesPerBlock = 0;
  let types: string[] | null = null;
  const zones: { node: number; zone: string; blocks: Record<string, number> }[] = [];
  lines.forEach((text, i) => {
    const n = i + 1;
    if (
      text.trim() === '' ||
      text.startsWith('Page block order:') ||
      text.startsWith('Free pages count per migrate type')
    )
      return;
    const ppb = /^Pages per block:\s+(\d+)\s*$/.exec(text);
    if (ppb) {
      pagesPerBlock = Number(ppb[1]);
      return;
    }
    const h = BLOCKS_HEADER.exec(text);
    if (h) {
      types = h[1]!.trim().split(/\s+/);
      return;
    }
    if (types === null) {
      if (FREE_LINE.test(text)) return;
      throw new SnapshotError(
        file,
        n,
        `expected a free-pages line "Node N, zone NAME, type TYPE ...", got ${quoteLine(text)}`,
      );
    }
    const m = ZONE_LINE.exec(text);
    if (!m)
      throw new SnapshotError(
        file,
        n,
        `expected "Node N, zone NAME" and a count per migrate type, got ${quoteLine(text)}`,
      );
    const counts = m[3]!.trim().split(/\s+/).map(Number);
    const names: string[] = types;
    if (counts.length !== names.length)
      throw new SnapshotError(file, n, `${counts.length} counts for ${names.length} migrate types`);
    zones.push({ node: Number(m[1]), zone: m[2]!, blocks: Object.fromEntries(names.map((t, j) => [t, counts[j]!])) });
  });
  if (pagesPerBlock === 0) throw new SnapshotError(file, null, 'no "Pages per block:" line: not /proc/pagetypeinfo');
  if (types === null) throw new SnapshotError(file, null, 'no "Number of blocks type" table');
  return { pagesPerBlock, types, zones };
}
