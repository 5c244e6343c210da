import type { Board } from '../../hal/board/board.js';
import { PageKind, PAGE_KIND_NAMES } from '../mm/page-flags.js';
import type { MemMap } from '../mm/memmap.js';

/**
 * The PASR safety invariant: no live page may sit in a masked bank or segment when a die
 * enters self-refresh. A page is live when it holds data someone needs: anything but free,
 * ballooned (the balloon owns it precisely so it can be lost) or offline pages.
 *
 * `checkSelfRefreshEntry` looks at the masks each die will latch and counts the live pages
 * touched by them (partly covered pages count: one lost byte corrupts the page).
 * `countLostPages` is the after-the-fact check: live pages that the board marked poisoned.
 * Both must be zero on every run; anything else is a violation reported loudly by the caller.
 */
export interface SafetyViolation {
  readonly die: string;
  readonly bankMask: number;
  readonly segmentMask: number;
  readonly livePages: number;
  /** First live page frame found in the masked area. */
  readonly firstPfn: number;
  /** Live pages by owner kind. */
  readonly byKind: Readonly<Record<string, number>>;
}

export function isLiveKind(kind: number): boolean {
  return kind !== PageKind.FREE && kind !== PageKind.BALLOON && kind !== PageKind.OFFLINE;
}

function liveIn(memmap: MemMap, startPfn: number, endPfn: number, byKind: number[]): { count: number; first: number } {
  let count = 0;
  let first = -1;
  const a = Math.max(startPfn, memmap.startPfn);
  const z = Math.min(endPfn, memmap.endPfn);
  for (let pfn = a; pfn < z; pfn++) {
    const k = memmap.kind(pfn - memmap.startPfn);
    if (isLiveKind(k)) {
      if (first < 0) first = pfn;
      count++;
      byKind[k]!++;
    }
  }
  return { count, first };
}

export interface DieMasks {
  readonly die: string;
  readonly bankMask: number;
  readonly segmentMask: number;
}

/** Live pages that the given masks would expose, per die (for masks not yet programmed, too). */
export function checkMasks(board: Board, memmap: MemMap, masks: readonly DieMasks[]): SafetyViolation[] {
  const out: SafetyViolation[] = [];
  for (const { die, bankMask, segmentMask } of masks) {
    if (bankMask === 0 && segmentMask === 0) continue;
    const byKind = new Array<number>(PAGE_KIND_NAMES.length).fill(0);
    let livePages = 0;
    let firstPfn = -1;
    board.addressMap.forEachTouchedRange(die, bankMask, segmentMask, (s, e) => {
      const r = liveIn(memmap, s, e, byKind);
      livePages += r.count;
      if (firstPfn < 0) firstPfn = r.first;
    });
    if (livePages > 0) {
      const kinds: Record<string, number> = {};
      byKind.forEach((n, k) => {
        if (n > 0) kinds[PAGE_KIND_NAMES[k]!] = n;
      });
      out.push({ die, bankMask, segmentMask, livePages, firstPfn, byKind: kinds });
    }
  }
  return out;
}

/**
 * The check at self-refresh entry: the masks each die will latch, whatever the controller
 * (a PRCMU mailbox writes the pending masks only as the dies enter self-refresh).
 */
export function checkSelfRefreshEntry(board: Board, memmap: MemMap): SafetyViolation[] {
  return checkMasks(
    board,
    memmap,
    board.dies.map((d) => ({ die: d.id, ...board.masksAtNextSelfRefresh(d.id) })),
  );
}

/**
 * Live pages whose contents the board lost: poisoned during the last self-refresh cycle (the
 * board's poison marks are cleared at each cycle's entry, so a frame handed out after its unit
 * was refreshed again holds new data and is not counted).
 */
export function countLostPages(board: Board, memmap: MemMap): number {
  let lost = 0;
  board.forEachPoisonedRange((s, e) => {
    const a = Math.max(s, memmap.startPfn);
    const z = Math.min(e, memmap.endPfn);
    for (let pfn = a; pfn < z; pfn++) if (isLiveKind(memmap.kind(pfn - memmap.startPfn))) lost++;
  });
  return lost;
}

export function formatViolation(v: SafetyViolation): string {
  const kinds = Object.entries(v.byKind)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  return `PASR SAFETY VIOLATION: die ${v.die} would enter self-refresh with bank mask 0x${v.bankMask.toString(16)} segment mask 0x${v.segmentMask.toString(16)} over ${v.livePages} live pages (${kinds}), first at pfn 0x${v.firstPfn.toString(16)}`;
}
