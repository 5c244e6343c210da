import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buddyFreePages, parseBuddyinfo } from '../../../firmware/snapshot/buddyinfo.js';
import { parseIomem } from '../../../firmware/snapshot/iomem.js';
import { parseMeminfo } from '../../../firmware/snapshot/meminfo.js';
import { parsePagetypeinfo } from '../../../firmware/snapshot/pagetypeinfo.js';
import { SnapshotError, procText } from '../../../firmware/snapshot/snapshot-error.js';
import { parseZoneinfo } from '../../../firmware/snapshot/zoneinfo.js';
import { RamLayout } from '../../../firmware/snapshot/ram-layout.js';
import { DROPPED } from './snapshots.js';

const lines = (name: string) => procText(readFileSync(join(DROPPED, name)), name);
const text = (s: string) => procText(Buffer.from(s), 'f');

/** The error a parser throws, as the command line shows it. */
function problem(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof SnapshotError) return e.message;
    throw e;
  }
  throw new Error('no error');
}

describe('/proc/iomem', () => {
  it("finds this machine's three System RAM ranges and lays out their whole pages end to end", () => {
    const { ram } = parseIomem(lines('iomem'));
    expect(ram.map((r) => [r.start.toString(16), r.end.toString(16)])).toEqual([
      ['1000', '9fc00'],
      ['100000', 'c0000000'],
      ['100000000', '640000000'],
    ]);
    const layout = new RamLayout(ram, 4096);
    layout.checkInvariants();
    // 0x1000-0x9fbff holds 158 whole pages (the last page is cut by 0x9fc00), as zoneinfo's DMA present 3998 - 3840.
    expect(layout.ranges[0]).toEqual({ startPfn: 1, endPfn: 0x9f, ramStart: 0 });
    expect(layout.pages).toBe(158 + (0xc0000 - 0x100) + (0x640000 - 0x100000));
    expect(layout.pfnRanges(150, 170)).toEqual([
      { startPfn: 151, endPfn: 0x9f },
      { startPfn: 0x100, endPfn: 0x10c },
    ]);
  });

  it('takes System RAM at any depth (virtio-mem, dax kmem) and ignores the rest', () => {
    const { ram } = parseIomem(
      text(
        '00001000-0009ffff : System RAM\n140000000-1bfffffff : virtio0\n  140000000-17fffffff : System RAM (virtio_mem)\n',
      ),
    );
    expect(ram.map((r) => r.name)).toEqual(['System RAM', 'System RAM (virtio_mem)']);
  });

  it('refuses garbage with its line, overlaps, no RAM, and a file read without root', () => {
    expect(problem(() => parseIomem(text('00001000-0009ffff : System RAM\nhello world\n')))).toBe(
      'iomem:2: expected "START-END : NAME" (hex addresses), got "hello world"',
    );
    expect(problem(() => parseIomem(text('0009ffff-00001000 : System RAM\n')))).toBe(
      'iomem:1: range ends (0x00001000) before it starts (0x0009ffff)',
    );
    expect(problem(() => parseIomem(text('00001000-0009ffff : System RAM\n00002000-00002fff : System RAM\n')))).toBe(
      'iomem:2: System RAM at 0x2000 overlaps the one on line 1',
    );
    expect(problem(() => parseIomem(text('00000000-00000fff : Reserved\n')))).toBe(
      'iomem: no "System RAM" resource: not /proc/iomem of a Linux machine',
    );
    expect(problem(() => parseIomem(text('00000000-00000000 : Reserved\n00000000-00000000 : System RAM\n')))).toBe(
      'iomem: every address is 0: /proc/iomem was read without root (capture it as root)',
    );
    expect(problem(() => text('00001000-0009ffff : System RAM\n\0\0\0'))).toBe(
      'f:2: binary data (a NUL byte): not the text /proc writes',
    );
  });
});

describe('/proc/buddyinfo', () => {
  it('reads the free blocks of every zone, 11 orders', () => {
    const b = parseBuddyinfo(lines('buddyinfo'));
    expect(b.orders).toBe(11);
    expect(b.zones.map((z) => z.zone)).toEqual(['DMA', 'DMA32', 'Normal']);
    // DMA: one order-8, one order-9 and three order-10 blocks.
    expect(buddyFreePages(b.zones[0]!)).toBe(256 + 512 + 3 * 1024);
  });

  it('refuses a line that is not a zone line, and a line with another number of orders', () => {
    expect(problem(() => parseBuddyinfo(text('Node 0, zone DMA 1 2 3\nNode 0, zone Normal 1 2 x\n')))).toBe(
      'buddyinfo:2: expected "Node N, zone NAME" and a count per order, got "Node 0, zone Normal 1 2 x"',
    );
    expect(problem(() => parseBuddyinfo(text('Node 0, zone DMA 1 2 3\nNode 0, zone Normal 1 2\n')))).toBe(
      'buddyinfo:2: 2 orders where line 1 has 3',
    );
    expect(problem(() => parseBuddyinfo(text('')))).toBe('buddyinfo: empty: no zone line');
  });
});

describe('/proc/zoneinfo and /proc/meminfo', () => {
  it("reads each zone's span, present, managed, free and per-cpu pages", () => {
    const zones = parseZoneinfo(lines('zoneinfo'));
    expect(zones.map((z) => z.name)).toEqual(['DMA', 'DMA32', 'Normal', 'Movable', 'Device']);
    const dma = zones[0]!;
    expect([dma.startPfn, dma.spanned, dma.present, dma.managed, dma.freePages]).toEqual([1, 4095, 3998, 3840, 3840]);
    const normal = zones[2]!;
    expect(normal.startPfn).toBe(0x100000);
    // This kernel brings memory up lazily: most of Normal is present but not managed.
    expect(normal.present - normal.managed).toBeGreaterThan(3_000_000);
    expect(normal.pcpPages).toBeGreaterThan(0);
  });

  it('refuses a line it cannot read with the zone it sits in, and a zone without its counters', () => {
    expect(problem(() => parseZoneinfo(text('Node 0, zone DMA\n  pages free 3\n  spanned ???\n')))).toBe(
      'zoneinfo:3: expected "key value" under zone DMA, got "  spanned ???"',
    );
    expect(problem(() => parseZoneinfo(text('garbage\n')))).toBe(
      'zoneinfo:1: expected "Node N, zone NAME", got "garbage"',
    );
    expect(problem(() => parseZoneinfo(text('Node 0, zone DMA\n  pages free 3\n  spanned 5\n')))).toBe(
      'zoneinfo:1: zone DMA has no "present" line',
    );
  });

  it('reads meminfo in bytes and refuses a line of another shape', () => {
    const m = parseMeminfo(lines('meminfo'));
    expect(m.get('MemTotal')).toBe(24683756 * 1024);
    expect(problem(() => parseMeminfo(text('MemTotal: 5 kB\nMemFree 3 kB\n')))).toBe(
      'meminfo:2: expected "Key: value kB", got "MemFree 3 kB"',
    );
    expect(problem(() => parseMeminfo(text('MemTotal: 5 kB\n')))).toBe('meminfo: no MemFree line: not /proc/meminfo');
  });
});

describe('/proc/pagetypeinfo', () => {
  it('reads the pageblocks of each migrate type per zone', () => {
    const p = parsePagetypeinfo(lines('pagetypeinfo'));
    expect(p.pagesPerBlock).toBe(512);
    expect(p.types).toEqual(['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'Isolate']);
    const normal = p.zones.find((z) => z.zone === 'Normal')!;
    // Pageblocks cover what the zone manages: this kernel has brought up part of Normal only.
    const zone = parseZoneinfo(lines('zoneinfo')).find((z) => z.name === 'Normal')!;
    expect(Object.values(normal.blocks).reduce((a, b) => a + b, 0) * 512).toBe(zone.managed);
  });

  it('refuses a line of neither table, and a row with another number of columns', () => {
    expect(problem(() => parsePagetypeinfo(text('Pages per block:  512\nNode 0, zone DMA, type Movable x\n')))).toBe(
      'pagetypeinfo:2: expected a free-pages line "Node N, zone NAME, type TYPE ...", got "Node 0, zone DMA, type Movable x"',
    );
    expect(
      problem(() =>
        parsePagetypeinfo(
          text('Pages per block:  512\nNumber of blocks type Unmovable Movable\nNode 0, zone DMA 1 2 3\n'),
        ),
      ),
    ).toBe('pagetypeinfo:3: 3 counts for 2 migrate types');
  });
});
