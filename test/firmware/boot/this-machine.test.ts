/**
 * The emulated kernel against a real one: test/fixtures/proc/this-machine/ holds /proc and /sys
 * files captured on an x86-64 VM running Linux 6.18 (24 GiB in three RAM ranges, THP on, no
 * CONFIG_CMA), and x86-vm-24g.json describes its memory. Booting that board must give the
 * zoneinfo the machine printed: spans, present and managed pages, watermarks, lowmem reserves,
 * pcp sizing, min_free_kbytes; and the same memory blocks, boot log lines and /proc formats.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bootBoard, type BootResult } from '../../../firmware/boot/boot.js';
import { KernelLog } from '../../../firmware/boot/dmesg.js';
import { parseBuddyinfo, parsePagetypeinfo, parseZoneinfo, type ZoneinfoZone } from '../../../firmware/mm/proc.js';
import { parseBoardConfig } from '../../../hal/board/load-board.js';
import { SimClock } from '../../../hal/clock.js';
import { TraceBus } from '../../../hal/trace/trace-bus.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'proc', 'this-machine');
const capture = (name: string): string => readFileSync(join(DIR, name), 'utf8');

let booted: BootResult;
beforeAll(() => {
  const r = parseBoardConfig(capture('x86-vm-24g.json'), 'x86-vm-24g.json');
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
  const clock = new SimClock();
  booted = bootBoard(r.board, clock, new TraceBus(clock));
});

const kernel = () => {
  if (!booted.kernel) throw new Error(`boot failed: ${booted.bootloader.errors.join('; ')}`);
  return booted.kernel;
};

/** What zoneinfo shows of a zone's sizing (the counters that move at run time left out). */
function sizing(z: ZoneinfoZone) {
  return {
    zone: z.zone,
    watermarks: [z.min, z.low, z.high, z.promo],
    spanned: z.spanned,
    present: z.present,
    managed: z.managed,
    cma: z.cma,
    startPfn: z.detail?.startPfn,
    pagesets: z.detail?.pagesets.map((p) => [p.cpu, p.batch, p.highMin, p.highMax, p.statThreshold]),
  };
}

describe('the board of the captured machine boots to the kernel’s own zone sizing', () => {
  it('prints the zoneinfo sizing of every zone the model has, as the machine did', () => {
    const real = parseZoneinfo(capture('zoneinfo'));
    const ours = parseZoneinfo(kernel().mm.zoneinfo());
    // The model has no ZONE_DEVICE: the real file's last zone, empty.
    expect(real.map((z) => z.zone)).toEqual([...ours.map((z) => z.zone), 'Device']);
    expect(ours.map(sizing)).toEqual(real.slice(0, -1).map(sizing));
    expect(sizing(ours[1]!)).toEqual({
      zone: 'DMA32',
      watermarks: [6065, 7581, 9097, 10613],
      spanned: 1044480,
      present: 782336,
      managed: 772850,
      cma: 0,
      startPfn: 4096,
      pagesets: [
        [0, 63, 3790, 48303, 24],
        [1, 63, 3790, 48303, 24],
      ],
    });
  });

  it('computes lowmem_reserve (zoneinfo protection) as the machine did, for each of its zone types', () => {
    const real = parseZoneinfo(capture('zoneinfo'));
    const ours = parseZoneinfo(kernel().mm.zoneinfo());
    // One entry per zone type: five there (ZONE_DEVICE last), four here.
    for (let i = 0; i < ours.length; i++) expect(ours[i]!.protection).toEqual(real[i]!.protection.slice(0, 4));
    expect(ours[0]!.protection).toEqual([0, 3018, 8394, 8394]);
  });

  it('raises min_free_kbytes for transparent huge pages to what the machine uses', () => {
    expect(capture('transparent_hugepage-enabled').trim()).toBe('always [madvise] never');
    const mm = kernel().mm;
    expect(mm.minFreeKbytes).toBe(Number(capture('min_free_kbytes')));
    // 3 populated zones x 512-page pageblocks x (2 + 3 * 3), in KiB.
    expect(mm.minFreeKbytes).toBe(3 * 512 * 11 * 4);
  });

  it('takes spanned and present pages from the RAM ranges: holes are spanned but not present', () => {
    const zones = kernel().mm.zones;
    const [dma, dma32, normal] = zones;
    // DMA spans from the first page of RAM (pfn 1) to 16 MiB; RAM [1, 0x9f) and [0x100, 0x1000).
    expect([dma!.zoneStartPfn, dma!.spannedPages, dma!.presentPages]).toEqual([1, 0xfff, 0x9e + 0xf00]);
    // DMA32 spans 16 MiB - 4 GiB; the PCI hole 3 GiB - 4 GiB is not present.
    expect(dma32!.spannedPages - dma32!.presentPages).toBe((0x100000 - 0xc0000) as number);
    expect(normal!.spannedPages).toBe(normal!.presentPages);
  });

  it('lists the same memory blocks as /sys/devices/system/memory: none in the PCI hole', () => {
    const hp = kernel().mech.hotplug;
    expect(hp.blockBytes).toBe(Number.parseInt(capture('block_size_bytes'), 16));
    const real = capture('memory-blocks').trim().split('\n');
    expect(hp.blockIds().map((id) => `memory${id}`)).toEqual(real);
    expect(real).not.toContain('memory24');
    expect(hp.offlineBlock(24)).toMatchObject({ status: 'invalid', reason: 'memory24 does not exist (a memory hole)' });
    // memory0 holds the holes below 640 KiB and 1 MiB.
    expect(hp.offlineBlock(0)).toMatchObject({
      status: 'invalid',
      reason: expect.stringMatching(/contains memory holes/),
    });
  });

  it('logs the zone ranges, node ranges and unavailable ranges the machine logged', () => {
    kernel();
    const ours = booted.log.lines.map((l) => KernelLog.format(l).replace(/^\[[ .\d]+\] /, ''));
    const real = capture('dmesg-memory')
      .trim()
      .split('\n')
      .map((l) => l.replace(/^\[[ .\d]+\] /, ''));
    const from = (lines: string[], first: string, last: string) =>
      lines.slice(lines.indexOf(first), lines.findIndex((l) => l.startsWith(last)) + 1);
    const window = (lines: string[]) =>
      from(lines, 'Zone ranges:', 'Built 1 zonelists')
        // ZONE_DEVICE is not modelled, and the emulated kernel has no command line.
        .filter((l) => l !== '  Device   empty' && !l.startsWith('Kernel command line: '));
    expect(window(ours)).toEqual(window(real));
    expect(window(ours)).toContain('On node 0, zone DMA: 97 pages in unavailable ranges');
  });

  it('prints pagetypeinfo without a CMA type (no CONFIG_CMA) and counts no pageblock of the PCI hole', () => {
    const real = parsePagetypeinfo(capture('pagetypeinfo'));
    const ours = parsePagetypeinfo(kernel().mm.pagetypeinfo());
    expect(ours.migratetypeNames).toEqual(real.migratetypeNames);
    expect(ours.migratetypeNames).not.toContain('CMA');
    // DMA and DMA32 are as the machine booted them: the block below 1 MiB starts in a hole and
    // stays MIGRATE_UNMOVABLE; DMA32's 1528 blocks end at 3 GiB.
    expect(ours.zones.slice(0, 2).map((z) => z.blocks)).toEqual(real.zones.slice(0, 2).map((z) => z.blocks));
    expect(ours.zones[0]!.free).toEqual(real.zones[0]!.free);
    expect(parseBuddyinfo(kernel().mm.buddyinfo())[0]).toEqual(parseBuddyinfo(capture('buddyinfo'))[0]);
  });

  it('keeps every hole frame reserved and out of the PASR units the kernel may mask', () => {
    const { mm, pasr } = kernel();
    mm.checkInvariants();
    // Units touching the holes below 4 GiB, or the window above 25 GiB, are not usable.
    for (const u of pasr.units) {
      const inRam = u.ranges.every((r) => mm.memmap.pfnPresent(r.startPfn) && mm.memmap.pfnPresent(r.endPfn - 1));
      if (u.usable) expect(inRam && u.holePages === 0).toBe(true);
    }
    expect(pasr.units.filter((u) => u.usable).map((u) => (u.ranges[0]!.startPfn * 4096) / 2 ** 30)).toEqual([
      4, 6, 8, 10, 12, 14, 16, 18, 20, 22,
    ]);
  });
});
