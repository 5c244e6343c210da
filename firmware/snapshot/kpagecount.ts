import { SnapshotError } from './snapshot-error.js';
import { CLASS_OF_KIND } from './kpageflags.js';
import { U64Entries } from './u64-entries.js';

/**
 * /proc/kpagecount: one little-endian u64 per page frame, the number of times the page is mapped
 * (folio_precise_page_mapcount()). Read alongside the kinds decoded from kpageflags, it says what
 * migrating the movable pages costs in page-table entries: every mapping of a moved page is
 * rewritten (an rmap walk per page).
 */
export interface Mappings {
  /** Entries in the file (must equal kpageflags'). */
  readonly frames: number;
  /** Movable RAM pages mapped at least once. */
  readonly movableMapped: number;
  /** Movable RAM pages mapped more than once (shared). */
  readonly movableShared: number;
  /** Sum of the map counts of movable RAM pages: page-table entries a migration of all of them rewrites. */
  readonly movableMappings: number;
}

export class KpagecountDecoder {
  private pfn = 0;
  private mapped = 0;
  private shared = 0;
  private mappings = 0;
  private readonly movable: Uint8Array;
  private readonly entries = new U64Entries((lo, hi) => this.entry(lo + hi * 2 ** 32));

  /** `kinds`: the decoded kpageflags (RAM pfns only count). */
  constructor(
    kinds: Uint8Array,
    ram: readonly { readonly startPfn: number; readonly endPfn: number }[],
    readonly maxFrames: number,
    readonly file = 'kpagecount',
  ) {
    this.movable = new Uint8Array(kinds.length);
    for (const r of ram)
      for (let p = r.startPfn; p < r.endPfn; p++) this.movable[p] = CLASS_OF_KIND[kinds[p]!] === 'movable' ? 1 : 0;
  }

  push(chunk: Uint8Array): void {
    this.entries.push(chunk);
    if (this.pfn > this.maxFrames)
      throw new SnapshotError(this.file, null, `more than ${this.maxFrames} page frames: not the kpageflags' machine`);
  }

  private entry(count: number): void {
    const pfn = this.pfn++;
    if (pfn >= this.movable.length || this.movable[pfn] === 0 || count === 0) return;
    this.mapped++;
    if (count > 1) this.shared++;
    this.mappings += count;
  }

  /** `frames`: kpageflags' entry count, which this file must match. */
  finish(frames: number): Mappings {
    if (this.entries.partialBytes > 0)
      throw new SnapshotError(
        this.file,
        null,
        `${this.pfn * 8 + this.entries.partialBytes} bytes: not a whole number of 8-byte entries`,
      );
    if (this.pfn !== frames)
      throw new SnapshotError(
        this.file,
        null,
        `${this.pfn} page frames where kpageflags has ${frames}: not the same capture`,
      );
    return {
      frames: this.pfn,
      movableMapped: this.mapped,
      movableShared: this.shared,
      movableMappings: this.mappings,
    };
  }
}
