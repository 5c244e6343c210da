/**
 * What became of each page of a trace: a hash table from the traced machine's page frame numbers
 * (any integer below 2^53) to a tag and a 32-bit value, in typed arrays (no object per page).
 * Open addressing with linear probing; a deleted slot becomes a tombstone; the table doubles
 * (and drops its tombstones) when live slots plus tombstones pass half of it.
 *
 * Invariants (checkInvariants()): size = live slots; size + tombstones <= capacity / 2; every
 * live key is reached from its home slot without crossing an empty slot; no key is live twice.
 */
const EMPTY = 0;
const TOMBSTONE = 1;
/** The first tag callers may use (0 and 1 are the table's). */
export const FIRST_TAG = 2;

const MIN_CAPACITY = 1024;

function hash(key: number, mask: number): number {
  const lo = key >>> 0;
  const hi = (key / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 15;
  return h & mask;
}

export class PfnTable {
  private keys: Float64Array;
  private tags: Uint8Array;
  private vals: Int32Array;
  private mask: number;
  size = 0;
  private tombstones = 0;

  constructor(capacity = MIN_CAPACITY) {
    let c = MIN_CAPACITY;
    while (c < capacity) c *= 2;
    this.keys = new Float64Array(c);
    this.tags = new Uint8Array(c);
    this.vals = new Int32Array(c);
    this.mask = c - 1;
  }

  get capacity(): number {
    return this.tags.length;
  }

  /** Bytes the table holds. */
  get bytes(): number {
    return this.tags.length * (8 + 1 + 4);
  }

  /** The slot of key, or -1. */
  find(key: number): number {
    const keys = this.keys;
    const tags = this.tags;
    for (let i = hash(key, this.mask); ; i = (i + 1) & this.mask) {
      const t = tags[i]!;
      if (t === EMPTY) return -1;
      if (t !== TOMBSTONE && keys[i] === key) return i;
    }
  }

  tag(slot: number): number {
    return this.tags[slot]!;
  }

  value(slot: number): number {
    return this.vals[slot]!;
  }

  /** Set key's tag (>= FIRST_TAG) and value, adding it if absent. */
  set(key: number, tag: number, value: number): void {
    if (tag < FIRST_TAG) throw new RangeError(`pfn table: tag ${tag} is reserved`);
    const found = this.find(key);
    if (found >= 0) {
      this.tags[found] = tag;
      this.vals[found] = value;
      return;
    }
    if ((this.size + this.tombstones + 1) * 2 > this.tags.length) this.rehash();
    let i = hash(key, this.mask);
    while (this.tags[i]! >= FIRST_TAG) i = (i + 1) & this.mask;
    if (this.tags[i] === TOMBSTONE) this.tombstones--;
    this.keys[i] = key;
    this.tags[i] = tag;
    this.vals[i] = value;
    this.size++;
  }

  /** Remove the entry in a slot found by find(). */
  deleteSlot(slot: number): void {
    if (this.tags[slot]! < FIRST_TAG) throw new Error(`pfn table: slot ${slot} holds no entry`);
    this.tags[slot] = TOMBSTONE;
    this.size--;
    this.tombstones++;
  }

  /** Every live entry (for checks and for walks that are not per operation). */
  forEach(fn: (key: number, tag: number, value: number) => void): void {
    for (let i = 0; i < this.tags.length; i++)
      if (this.tags[i]! >= FIRST_TAG) fn(this.keys[i]!, this.tags[i]!, this.vals[i]!);
  }

  private rehash(): void {
    const { keys, tags, vals } = this;
    let c = this.tags.length;
    while ((this.size + 1) * 4 > c) c *= 2;
    this.keys = new Float64Array(c);
    this.tags = new Uint8Array(c);
    this.vals = new Int32Array(c);
    this.mask = c - 1;
    this.tombstones = 0;
    for (let i = 0; i < tags.length; i++) {
      if (tags[i]! < FIRST_TAG) continue;
      let j = hash(keys[i]!, this.mask);
      while (this.tags[j] !== EMPTY) j = (j + 1) & this.mask;
      this.keys[j] = keys[i]!;
      this.tags[j] = tags[i]!;
      this.vals[j] = vals[i]!;
    }
  }

  checkInvariants(): void {
    const fail = (m: string): never => {
      throw new Error(`pfn table invariant violated: ${m}`);
    };
    let live = 0;
    let dead = 0;
    for (let i = 0; i < this.tags.length; i++) {
      const t = this.tags[i]!;
      if (t === TOMBSTONE) dead++;
      if (t < FIRST_TAG) continue;
      live++;
      if (this.find(this.keys[i]!) !== i) fail(`key ${this.keys[i]} at slot ${i} is not found there`);
    }
    if (live !== this.size) fail(`size ${this.size}, but ${live} live slots`);
    if (dead !== this.tombstones) fail(`${this.tombstones} tombstones counted, ${dead} found`);
    if ((live + dead) * 2 > this.tags.length) fail(`${live + dead} slots used of ${this.tags.length}`);
  }
}
