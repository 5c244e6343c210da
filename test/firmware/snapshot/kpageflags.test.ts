import { describe, expect, it } from 'vitest';
import {
  CLASS_OF_KIND,
  FRAME_KIND_NAMES,
  FrameKind,
  frameKind,
  KpageflagsDecoder,
} from '../../../firmware/snapshot/kpageflags.js';
import { SnapshotError } from '../../../firmware/snapshot/snapshot-error.js';
import { DROPPED, rawFlags } from './snapshots.js';

/** Kind name of a flag word written as kpageflags holds it: high and low 32 bits in hex. */
const kind = (hi: number, lo: number) => FRAME_KIND_NAMES[frameKind(lo, hi)];

describe('kpageflags: what a page frame holds, from its flags', () => {
  it('classifies the flag words this machine shows most', () => {
    // The most frequent words of the dropped-caches capture (hi:lo).
    expect(kind(0, 0x400)).toBe('free'); // BUDDY
    expect(kind(0x8, 0x28)).toBe('fileClean'); // PRIVATE | LRU | UPTODATE: page cache with buffer heads
    expect(kind(0x8, 0x2000028)).toBe('fileClean'); // ... and IDLE
    expect(kind(0x4, 0x5828)).toBe('anon'); // LRU | MMAP | ANON | SWAPBACKED | UPTODATE
    expect(kind(0, 0x2415828)).toBe('anon'); // a tail page of an anonymous THP
    expect(kind(0, 0x80)).toBe('slab');
    expect(kind(0, 0x10080)).toBe('slab'); // tail of a compound slab
    expect(kind(0, 0x1080)).toBe('slab'); // SLAB with the ANON bit slab leaves in the mapping field
    expect(kind(0x1, 0)).toBe('reserved');
    expect(kind(0, 0)).toBe('unknown');
  });

  it('tells dirty page cache, page tables, mlocked, HugeTLB, offline and absent frames apart', () => {
    expect(kind(0, 0x38)).toBe('fileDirty'); // UPTODATE | DIRTY | LRU
    expect(kind(0, 0x128)).toBe('fileDirty'); // under WRITEBACK
    expect(kind(0, 2 ** 26)).toBe('pageTables');
    expect(kind(0x2, 0x4_5828)).toBe('unevictable'); // UNEVICTABLE on the LRU, MLOCKED
    expect(kind(0x2, 0)).toBe('unevictable'); // mlocked, isolated from the LRU
    expect(kind(0, 0x2_8000)).toBe('hugetlb'); // HUGE | COMPOUND_HEAD
    expect(kind(0, 2 ** 23)).toBe('offline');
    expect(kind(0, 2 ** 20)).toBe('nopage');
    expect(kind(0, 0x8)).toBe('kernel'); // UPTODATE only, on no list
    expect(CLASS_OF_KIND[FrameKind.FILE_DIRTY]).toBe('movable');
    expect(CLASS_OF_KIND[FrameKind.UNEVICTABLE]).toBe('unmovable');
  });

  it('gives a compound tail without flags of its own the kind of its head', () => {
    const words = [
      [0x8080, 0],
      [0x10000, 0],
      [0x10000, 0],
      [0x0, 0],
    ];
    const buf = Buffer.alloc(words.length * 8);
    words.forEach(([lo, hi], i) => {
      buf.writeUInt32LE(lo!, i * 8);
      buf.writeUInt32LE(hi!, i * 8 + 4);
    });
    const d = new KpageflagsDecoder(4, [{ startPfn: 0, endPfn: 4 }], 4);
    d.push(buf);
    expect([...d.finish()].map((k) => FRAME_KIND_NAMES[k])).toEqual(['slab', 'slab', 'slab', 'unknown']);
  });

  it('decodes the same whatever the pieces the stream comes in (entries split across pieces)', () => {
    const raw = rawFlags(DROPPED).subarray(0, 2 ** 20);
    const frames = raw.length / 8;
    const ram = [{ startPfn: 1, endPfn: frames }];
    const whole = new KpageflagsDecoder(frames, ram, frames);
    whole.push(raw);
    const pieces = new KpageflagsDecoder(frames, ram, frames);
    for (let off = 0, n = 1; off < raw.length; off += n, n = (n * 7 + 3) % 61) pieces.push(raw.subarray(off, off + n));
    expect(pieces.finish()).toEqual(whole.finish());
    expect(pieces.flagPages).toEqual(whole.flagPages);
    // Flags are tallied over RAM only: pfn 0 is not RAM on x86.
    expect(whole.flagPages[10]).toBeGreaterThan(0);
  });

  it('refuses a file cut inside an entry, shorter than the RAM, or far longer', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        if (e instanceof SnapshotError) return e.message;
        throw e;
      }
      return 'no error';
    };
    const ram = [{ startPfn: 0, endPfn: 4 }];
    const cut = new KpageflagsDecoder(4, ram, 8);
    cut.push(Buffer.alloc(35));
    expect(err(() => cut.finish())).toBe('kpageflags: 35 bytes: not a whole number of 8-byte entries (truncated?)');
    const short = new KpageflagsDecoder(4, ram, 8);
    short.push(Buffer.alloc(24));
    expect(err(() => short.finish())).toBe(
      "kpageflags: 3 page frames (24 bytes), but iomem's RAM reaches pfn 4: truncated, or from another machine",
    );
    const long = new KpageflagsDecoder(4, ram, 8);
    expect(err(() => long.push(Buffer.alloc(80)))).toBe(
      "kpageflags: more than 8 page frames, but iomem's RAM ends at pfn 4: from another machine?",
    );
  });
});
