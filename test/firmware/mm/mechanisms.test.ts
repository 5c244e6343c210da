import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../hal/clock.js';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_MEMALLOC } from '../../../firmware/mm/gfp.js';
import { ZONE_NORMAL } from '../../../firmware/mm/layout.js';
import { MmMechanisms } from '../../../firmware/mm/mechanisms.js';
import { MemoryManager } from '../../../firmware/mm/memory-manager.js';
import { PageKind } from '../../../firmware/mm/page-flags.js';
import { allocAll, boot, fixtureLayout } from './mechanisms-fixture.js';

describe('MmMechanisms wiring', () => {
  it('runs kswapd at the next clock advance after a wake-up (daemons: clock)', () => {
    const { mm, mech, clock } = boot({ mib: 64, movableMib: 0, mech: { daemons: 'clock', memoryBlockBytes: 4 << 20 } });
    // Anon first touches cost no simulated time: the wake-up stays pending until time moves.
    let id = 0;
    while (!mech.reclaim.kswapdPending) expect(mech.ws.touch(id++, 'anon').ok).toBe(true);
    expect(mm.events.pageoutrun).toBe(0);
    clock.advance(1000);
    expect(mm.events.pageoutrun).toBe(1);
    expect(mech.reclaim.kswapdPending).toBe(false);
    // Anon without swap cannot be reclaimed: a failed kswapd run.
    expect(mm.events.pgsteal_kswapd).toBe(0);
    expect(mech.reclaim.kswapdFailures).toBe(1);
    mech.checkInvariants();
  });

  it('lets kswapd keep ahead of page-cache growth so allocations do not stall (daemons: clock)', () => {
    const { mm, mech } = boot({
      mib: 64,
      movableMib: 0,
      mech: { daemons: 'clock', memoryBlockBytes: 4 << 20, addressSpacePages: 100000 },
    });
    const zone = mm.zones[ZONE_NORMAL]!;
    const n = mm.nrFreePages() + 8000;
    // Each cold read costs simulated time, during which a woken kswapd reclaims.
    for (let id = 0; id < n; id++) expect(mech.ws.touch(id, 'file').ok).toBe(true);
    expect(mm.events.pgsteal_kswapd).toBeGreaterThan(8000);
    expect(mm.events.allocstall.reduce((a, b) => a + b, 0)).toBe(0);
    expect(zone.nrFreePages).toBeGreaterThan(zone.minWmark);
    expect(mech.ledger.item('reclaim-drop').units).toBe(mm.events.pgsteal_kswapd);
    mech.checkInvariants();
  });

  it('wakes kcompactd after kswapd served a high-order request, and tick() runs it', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0 });
    for (let id = 0; mm.zones[ZONE_NORMAL]!.nrFreePages > mm.zones[ZONE_NORMAL]!.highWmark * 2; id++)
      mech.ws.touch(id, 'file');
    expect(mech.reclaim.wakeupKswapd(ZONE_NORMAL, 4, ZONE_NORMAL)).toBe(false); // balanced: no wake
    let id = 100000 % mech.ws.capacity;
    while (!mech.reclaim.kswapdPending) mech.ws.touch(id++ % mech.ws.capacity, 'file');
    mech.reclaim.wakeupKswapd(ZONE_NORMAL, 4, ZONE_NORMAL);
    mech.tick();
    expect(mm.events.pageoutrun).toBe(1);
    // kswapd went back to sleep balanced for order 4 and woke kcompactd, which tick() ran (the
    // cold reads also took more than 500 ms of simulated time, so the proactive check ran too).
    expect(mm.events.compact_daemon_wake).toBeGreaterThanOrEqual(1);
    expect(mech.compaction.kcompactdHighest).toBe(-1);
    mech.checkInvariants();
  });

  it('checks for proactive compaction every 500 ms of simulated time from tick()', () => {
    const { mm, mech, clock } = boot({ mib: 64, movableMib: 0 });
    const all = allocAll(mm, GFP_HIGHUSER_MOVABLE | __GFP_MEMALLOC, PageKind.ANON);
    for (const p of all) if (p % 2 === 0) mm.freePages(p, 0);
    mm.drainAllPages();
    mech.tick();
    expect(mm.events.compact_daemon_wake).toBe(0);
    clock.advance(500e6);
    mech.tick();
    expect(mm.events.compact_daemon_wake).toBe(1);
    expect(mm.events.pgmigrate_success).toBeGreaterThan(0);
    mech.checkInvariants();
  });

  it('frees workload pages through the LRU and the address space', () => {
    const { mm, mech } = boot({ mib: 16, movableMib: 0 });
    mech.ws.touch(3, 'anon');
    const p = mech.ws.pfnOfId(3);
    expect(() => mm.freePages(p, 0)).toThrow(/still on an LRU list/);
    mech.freePages(p, 0);
    expect(mech.ws.pfnOfId(3)).toBe(-1);
    const k = mm.allocPages(0, GFP_KERNEL, PageKind.KERNEL) as number;
    mech.freePages(k, 0);
    const a = mm.allocPages(1, GFP_HIGHUSER_MOVABLE, PageKind.ANON) as number;
    mech.lru.add(a);
    mech.freePages(a, 1);
    expect(() => mech.freePages(a, 1)).toThrow(/bad page state/);
    mech.checkInvariants();
  });

  it('keeps the hooks installed before it for the OOM path and extfrag events', () => {
    const mm = new MemoryManager(fixtureLayout({ mib: 16, movableMib: 0 }), new SimClock());
    let oom = 0;
    let extfrag = 0;
    mm.hooks = {
      ...mm.hooks,
      outOfMemory: () => {
        oom++;
        return false;
      },
      extfrag: () => void extfrag++,
    };
    const mech = new MmMechanisms(mm, { daemons: 'manual' });
    const r = allocAll(mm, GFP_KERNEL, PageKind.KERNEL);
    expect(r.length).toBeGreaterThan(3000);
    expect(oom).toBeGreaterThan(0);
    expect(extfrag).toBeGreaterThan(0);
    mech.checkInvariants();
  });

  it('rejects bad options with a clear error', () => {
    expect(() => boot({ mech: { costs: { 'migrate.speed': 1 } } })).toThrow(/unknown cost 'migrate\.speed'/);
    expect(() => boot({ mech: { swappiness: 201 } })).toThrow(/swappiness 201/);
    const mm = new MemoryManager(fixtureLayout({ mib: 16, movableMib: 0 }), new SimClock());
    expect(() => new MmMechanisms(mm, { costs: { x: 1 }, costsWhere: 'board-configs/b.json: kernel.costs' })).toThrow(
      /^board-configs\/b\.json: kernel\.costs: unknown cost 'x'/,
    );
  });

  it('picks a memory block size that fits a small board when none is given', () => {
    const mm = new MemoryManager(fixtureLayout({ mib: 16, movableMib: 0 }), new SimClock());
    const mech = new MmMechanisms(mm);
    expect(mech.hotplug.blockBytes).toBe(16 << 20);
    expect(mech.costs.blockBytes).toBe(16 << 20);
  });
});
