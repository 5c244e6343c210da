import { describe, expect, it } from 'vitest';
import {
  GFP_DMA,
  GFP_HIGHUSER_MOVABLE,
  GFP_KERNEL,
  __GFP_MOVABLE,
  __GFP_RECLAIMABLE,
  __GFP_RETRY_MAYFAIL,
} from '../../../firmware/mm/gfp.js';
import { NO_HOOKS, isAllocFailure, type MmHooks } from '../../../firmware/mm/page-alloc.js';
import { PageKind } from '../../../firmware/mm/page-flags.js';
import { boot, layout, pfnOf } from './helpers.js';

const ANON = PageKind.ANON;

describe('allocation failure is an outcome, not an exception', () => {
  it('reports running out of memory with the order, the preferred zone and the reason, and counts it', () => {
    const mm = boot(layout({ nrPages: 64, minFreeKbytes: 16 })); // min watermark 4 pages
    let n = 0;
    let r = mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON);
    for (; typeof r === 'number'; r = mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON)) n++;
    expect(n).toBe(60);
    expect(r).toEqual({
      ok: false,
      order: 0,
      gfp: GFP_HIGHUSER_MOVABLE,
      zone: 'DMA32',
      reason: 'watermark',
      freePages: 4,
    });
    expect(isAllocFailure(r)).toBe(true);
    expect(mm.events.alloc_fail).toBe(1);
    mm.checkInvariants();
  });

  it('tells fragmentation apart from a lack of memory', () => {
    const mm = boot(layout({ nrPages: 64 }));
    const pfns = Array.from({ length: 64 }, () => pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON)));
    for (const p of pfns) if (p % 2 === 0) mm.freePages(p, 0); // 32 free pages, no two adjacent
    expect(mm.allocPages(1, GFP_HIGHUSER_MOVABLE, ANON)).toMatchObject({
      ok: false,
      order: 1,
      reason: 'fragmentation',
      freePages: 32,
    });
    expect(pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON)) % 2).toBe(0);
    mm.checkInvariants();
  });

  it('fails orders above MAX_PAGE_ORDER and zones the board lacks as outcomes', () => {
    const mm = boot(layout());
    expect(mm.allocPages(4, GFP_KERNEL, PageKind.KERNEL)).toMatchObject({
      ok: false,
      order: 4,
      reason: 'order-too-large',
    });
    expect(mm.allocPages(0, GFP_DMA | GFP_KERNEL, PageKind.KERNEL)).toMatchObject({
      ok: false,
      zone: 'none',
      reason: 'no-zone',
    });
  });

  it('treats malformed requests and bad frees as bugs, with messages that say what is wrong', () => {
    const mm = boot(layout());
    expect(() => mm.allocPages(0, GFP_KERNEL | __GFP_MOVABLE | __GFP_RECLAIMABLE, PageKind.KERNEL)).toThrow(
      /gfp 0xcd8 is an invalid combination/,
    );
    expect(() => mm.allocPages(0, GFP_KERNEL, PageKind.FREE)).toThrow(/owner kind 0 is not one of 1 \(reserved\)/);
    expect(() => mm.allocPages(-1, GFP_KERNEL, PageKind.KERNEL)).toThrow(/order -1 is not an integer/);
    expect(() => mm.allocPages(0, GFP_KERNEL, PageKind.KERNEL, 5)).toThrow(/cpu 5 is not in \[0, 1\)/);
    const p = pfnOf(mm.allocPages(1, GFP_KERNEL, PageKind.KERNEL));
    expect(() => mm.freePages(p, 0)).toThrow(
      /bad page state at pfn 0x1000: kind kernel, flags 0x4, order 1; cannot free it as an order-0 block/,
    );
    expect(() => mm.freePages(p + 1, 0)).toThrow(/bad page state at pfn 0x1001: kind kernel, flags 0x0/);
    expect(() => mm.freePages(0x999, 0)).toThrow(/pfn 2457 is outside DRAM \[0x1000, 0x1020\)/);
    mm.freePages(p, 1);
    expect(() => mm.freePages(p, 1)).toThrow(/bad page state at pfn 0x1000: kind free, flags 0x1, order 3/);
    expect(() => mm.freePages(p + 4, 0)).toThrow(/inside the free order-3 block at 0x1000/);
    mm.checkInvariants();
  });
});

describe('slow path hooks (for reclaim and compaction built on top)', () => {
  it('wakes kswapd below the low watermark and retries after direct reclaim frees memory', () => {
    const mm = boot(layout({ nrPages: 64, minFreeKbytes: 16 }));
    const held = Array.from({ length: 60 }, () => pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON)));
    const calls: string[] = [];
    const hooks: MmHooks = {
      ...NO_HOOKS,
      wakeKswapd: (zone, order) => calls.push(`kswapd ${zone} ${order}`),
      directReclaim: (order) => {
        calls.push(`reclaim ${order}`);
        for (let i = 0; i < 8; i++) mm.freePages(held.pop()!, 0);
        return 8;
      },
    };
    mm.hooks = hooks;
    const p = mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON);
    expect(typeof p).toBe('number');
    expect(calls).toEqual(['kswapd 1 0', 'reclaim 0']);
    expect(mm.events.allocstall[3]).toBe(1); // counted against the highest zone index of the request (ZONE_MOVABLE)
    mm.checkInvariants();
  });

  it('gives up after MAX_RECLAIM_RETRIES rounds of reclaim that make progress without helping, then asks the OOM hook', () => {
    const mm = boot(layout({ nrPages: 64, minFreeKbytes: 16 }));
    while (typeof mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON) === 'number');
    let rounds = 0;
    let oom = 0;
    mm.hooks = {
      ...NO_HOOKS,
      directReclaim: () => ++rounds && 1,
      outOfMemory: () => {
        oom++;
        return false;
      },
    };
    expect(mm.allocPages(0, GFP_KERNEL, PageKind.KERNEL)).toMatchObject({ ok: false, reason: 'watermark' });
    expect(rounds).toBe(17);
    expect(oom).toBe(1);
  });

  it('never asks the OOM hook for a __GFP_RETRY_MAYFAIL allocation (a migration target): it fails instead', () => {
    const mm = boot(layout({ nrPages: 64, minFreeKbytes: 16 }));
    while (typeof mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON) === 'number');
    let rounds = 0;
    let oom = 0;
    const outOfMemory = (): boolean => {
      oom++;
      return true;
    };
    mm.hooks = { ...NO_HOOKS, directReclaim: () => ++rounds && 1, outOfMemory };
    expect(mm.allocPages(0, GFP_HIGHUSER_MOVABLE | __GFP_RETRY_MAYFAIL, ANON)).toMatchObject({ ok: false });
    expect(rounds).toBe(17);
    expect(oom).toBe(0);
  });
});
