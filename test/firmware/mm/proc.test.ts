import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_RECLAIMABLE } from '../../../firmware/mm/gfp.js';
import { PageKind } from '../../../firmware/mm/page-flags.js';
import {
  parseBuddyinfo,
  parsePagetypeinfo,
  parseVmstat,
  parseZoneinfo,
  renderBuddyinfo,
  renderPagetypeinfo,
  renderVmstat,
  renderZoneinfo,
} from '../../../firmware/mm/proc.js';
import { NODE_STAT_ITEMS, NUMA_STAT_ITEMS, ZONE_STAT_ITEMS } from '../../../firmware/mm/vmstat.js';
import { boot, layout, pfnOf } from './helpers.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/proc/${name}`, import.meta.url), 'utf8');

/** Replace every number by '#' and collapse the padding that precedes it: the "shape" of a line. */
const shape = (line: string): string => line.replace(/ *>? *\d+/g, ' #');

/** A board-like layout in the shape of the fixture machine: DMA, DMA32 and Normal, 2 CPUs. */
const x86Like = () =>
  layout({
    startPfn: 1,
    nrPages: 0x140000 - 1,
    zones: [
      { name: 'DMA', startPfn: 1, endPfn: 0x1000 },
      { name: 'DMA32', startPfn: 0x1000, endPfn: 0x100000 },
      { name: 'Normal', startPfn: 0x100000, endPfn: 0x140000 },
    ],
    reserved: [{ name: 'kernel', startPfn: 0x1000, endPfn: 0x1400 }],
    maxOrder: 10,
    pageblockOrder: 9,
    nrCpus: 2,
    minFreeKbytes: undefined,
  });

describe('/proc views: the kernel formats, checked against files captured from a 6.18 machine', () => {
  it('re-prints the captured buddyinfo byte for byte', () => {
    const rows = parseBuddyinfo(fixture('buddyinfo'));
    expect(rows.map((r) => r.zone)).toEqual(['DMA', 'DMA32', 'Normal']);
    expect(rows[0]!.nrFree).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3]);
    expect(renderBuddyinfo(rows)).toBe(fixture('buddyinfo'));
  });

  it('re-prints the captured pagetypeinfo byte for byte', () => {
    const v = parsePagetypeinfo(fixture('pagetypeinfo'));
    expect(v.pageblockOrder).toBe(9);
    expect(v.migratetypeNames).toEqual(['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'Isolate']);
    expect(v.zones[1]!.blocks).toEqual([0, 1528, 0, 0, 0]);
    expect(renderPagetypeinfo(v)).toBe(fixture('pagetypeinfo'));
  });

  it('re-prints the captured zoneinfo byte for byte', () => {
    const zones = parseZoneinfo(fixture('zoneinfo'));
    expect(zones.map((z) => z.zone)).toEqual(['DMA', 'DMA32', 'Normal', 'Movable', 'Device']);
    expect(zones[0]!.nodeStats?.length).toBe(NODE_STAT_ITEMS.length);
    expect(zones[3]!.detail).toBeUndefined();
    expect(renderZoneinfo(zones)).toBe(fixture('zoneinfo'));
  });

  it('re-prints the captured vmstat byte for byte', () => {
    const items = parseVmstat(fixture('vmstat'));
    expect(renderVmstat(items)).toBe(fixture('vmstat'));
  });

  it('prints buddyinfo and pagetypeinfo of a forced state exactly', () => {
    const mm = boot(layout({ nrPages: 32 }), { pcp: false, configCma: false });
    expect(pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON))).toBe(0x1000);
    // RECLAIMABLE claims the first whole MOVABLE max-order block: its two pageblocks are retyped.
    expect(pfnOf(mm.allocPages(0, GFP_KERNEL | __GFP_RECLAIMABLE, PageKind.SLAB_RECLAIMABLE))).toBe(0x1008);
    expect(mm.buddyinfo()).toBe('Node 0, zone    DMA32      2      2      2      2 \n');
    expect(mm.pagetypeinfo()).toBe(
      [
        'Page block order: 2',
        'Pages per block:  4',
        '',
        'Free pages count per migrate type at order       0      1      2      3 ',
        'Node    0, zone    DMA32, type    Unmovable      0      0      0      0 ',
        'Node    0, zone    DMA32, type      Movable      1      1      1      2 ',
        'Node    0, zone    DMA32, type  Reclaimable      1      1      1      0 ',
        'Node    0, zone    DMA32, type   HighAtomic      0      0      0      0 ',
        'Node    0, zone    DMA32, type      Isolate      0      0      0      0 ',
        '',
        'Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate ',
        'Node 0, zone    DMA32            0            6            2            0            0 ',
        '',
      ].join('\n'),
    );
  });

  it("prints the emulated state in layouts the strict parsers accept, with the kernel's line shapes", () => {
    const mm = boot(x86Like(), {});
    for (let i = 0; i < 1000; i++)
      pfnOf(mm.allocPages(i % 3, i % 2 ? GFP_KERNEL : GFP_HIGHUSER_MOVABLE, PageKind.KERNEL));
    mm.checkInvariants();
    // Each parser re-renders what it read and throws unless the text is identical.
    expect(parseBuddyinfo(mm.buddyinfo()).map((r) => r.zone)).toEqual(['DMA', 'DMA32', 'Normal']);
    const ours = parsePagetypeinfo(mm.pagetypeinfo());
    expect(ours.migratetypeNames).toEqual(['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'CMA', 'Isolate']);
    parseZoneinfo(mm.zoneinfo());
    parseVmstat(mm.vmstat());
    // Line shapes of buddyinfo and zoneinfo (numbers replaced) all occur in the real files.
    for (const name of ['buddyinfo', 'zoneinfo'] as const) {
      const real = new Set(fixture(name).split('\n').map(shape));
      const ourText = name === 'buddyinfo' ? mm.buddyinfo() : mm.zoneinfo();
      // lowmem_reserve[] has one entry per zone type: 4 here, 5 on the capture (ZONE_DEVICE).
      const lines = ourText.split('\n');
      expect(
        lines.filter((l) => l.includes('protection')).every((l) => /^ {8}protection: \(\d+(, \d+){3}\)$/.test(l)),
      ).toBe(true);
      const odd = lines
        .filter((l) => !l.includes('protection'))
        .map(shape)
        .filter((l) => !real.has(l));
      expect(odd).toEqual([]);
    }
  });

  it('names zone, node and vm items exactly as the kernel does, in its order', () => {
    const mm = boot(x86Like(), {});
    const real = parseVmstat(fixture('vmstat')).map(([n]) => n);
    const ours = parseVmstat(mm.vmstat()).map(([n]) => n);
    // The model has no ZONE_DEVICE: the real list minus the *_device events.
    expect(ours).toEqual(real.filter((n) => !n.endsWith('_device')));
    const zi = parseZoneinfo(mm.zoneinfo());
    const realZi = parseZoneinfo(fixture('zoneinfo'));
    expect(zi[0]!.nodeStats!.map(([n]) => n)).toEqual(realZi[0]!.nodeStats!.map(([n]) => n));
    expect(zi[1]!.detail!.zoneStats.map(([n]) => n)).toEqual(realZi[1]!.detail!.zoneStats.map(([n]) => n));
    expect(zi[1]!.detail!.zoneStats.map(([n]) => n)).toEqual([...ZONE_STAT_ITEMS, ...NUMA_STAT_ITEMS]);
  });

  it('reports free pages, per-kind pages and allocation events in vmstat and zoneinfo', () => {
    const mm = boot(x86Like(), {});
    const free0 = mm.nrFreePages();
    const p = pfnOf(mm.allocPages(2, GFP_KERNEL | __GFP_RECLAIMABLE, PageKind.SLAB_RECLAIMABLE));
    const vm = new Map(parseVmstat(mm.vmstat()));
    expect(vm.get('nr_free_pages')).toBe(mm.nrFreePages());
    expect(vm.get('nr_slab_reclaimable')).toBe(4);
    expect(vm.get('pgalloc_normal')).toBe(4);
    mm.freePages(p, 2);
    mm.drainAllPages();
    const vm2 = new Map(parseVmstat(mm.vmstat()));
    expect(vm2.get('nr_free_pages')).toBe(free0);
    expect(vm2.get('pgfree')).toBe(4);
    expect(vm2.get('nr_memmap_boot_pages')).toBe(Math.ceil((0x140000 - 1) / 64));
    const zi = parseZoneinfo(mm.zoneinfo());
    const normal = zi.find((z) => z.zone === 'Normal')!;
    expect(normal.free).toBe(mm.zones[2]!.nrFreePages);
    expect(normal.detail!.startPfn).toBe(0x100000);
    expect(normal.managed).toBe(0x40000);
  });
});

describe('/proc parsers: bad input', () => {
  it('rejects truncated, empty and misaligned files with the line that is wrong', () => {
    const real = fixture('buddyinfo');
    expect(() => parseBuddyinfo(real.slice(0, -1))).toThrow(/truncated/);
    expect(() => parseBuddyinfo('')).toThrow(/empty/);
    const shifted = real.replace('Node 0, zone      DMA      0', 'Node 0, zone      DMA     0');
    expect(() => parseBuddyinfo(shifted)).toThrow(/^buddyinfo:1: expected the kernel's column widths/);
    expect(() => parseBuddyinfo('hello\n')).toThrow(
      /^buddyinfo:1: expected "Node <n>, zone <name> <counts>", got "hello"/,
    );
    expect(() =>
      parsePagetypeinfo(fixture('pagetypeinfo').replace('Pages per block:  512', 'Pages per block: 512')),
    ).toThrow(/pagetypeinfo:2/);
    expect(() => parseZoneinfo(fixture('zoneinfo').replace('        min      68\n', ''))).toThrow(
      /zoneinfo:\d+: expected "min"/,
    );
    expect(() => parseVmstat('nr_free_pages twelve\n')).toThrow(/vmstat:1/);
    expect(() => parseZoneinfo('\u0000\n')).toThrow(/zoneinfo:1/);
  });
});
