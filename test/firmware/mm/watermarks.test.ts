import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseZoneinfo } from '../../../firmware/mm/proc.js';
import {
  MIN_PERCPU_PAGELIST_HIGH_FRACTION,
  calculateMinFreeKbytes,
  calculateNormalThreshold,
  intSqrt,
  multFrac,
  recommendedMinFreeKbytes,
  setupPerZoneLowmemReserve,
  setupPerZoneWmarks,
  zoneBatchsize,
  zoneHighsize,
} from '../../../firmware/mm/watermarks.js';
import { boot, layout } from './helpers.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/proc/${name}`, import.meta.url), 'utf8');

describe('watermarks (__setup_per_zone_wmarks and friends)', () => {
  it('reproduces every watermark, protection and pcp size of the captured 6.18 zoneinfo from its managed pages', () => {
    // Fixture: 2 CPUs, min_free_kbytes 67584, watermark_scale_factor 10, zones DMA, DMA32,
    // Normal, Movable (and Device, which the model does not have).
    const zones = parseZoneinfo(fixture('zoneinfo')).filter((z) => z.zone !== 'Device');
    const managed = zones.map((z) => z.managed);
    expect(managed).toEqual([3840, 772808, 163840, 0]);
    const wm = setupPerZoneWmarks(managed, 67584, 10, 12);
    const reserve = setupPerZoneLowmemReserve(managed);
    zones.forEach((z, i) => {
      expect({ zone: z.zone, ...wm[i] }).toEqual({
        zone: z.zone,
        min: z.min,
        low: z.low,
        high: z.high,
        promo: z.promo,
      });
      expect(reserve[i]).toEqual(z.protection.slice(0, 4));
      if (z.detail) {
        const p = z.detail.pagesets[0]!;
        const batch = zoneBatchsize(z.managed, 12);
        expect(batch).toBe(p.batch);
        expect(zoneHighsize(z.low, z.managed, batch, 2, 0)).toBe(p.highMin);
        expect(zoneHighsize(z.low, z.managed, batch, 2, MIN_PERCPU_PAGELIST_HIGH_FRACTION)).toBe(p.highMax);
        expect(calculateNormalThreshold(z.managed, 2, 12)).toBe(p.statThreshold);
      }
    });
  });

  it('computes the default min_free_kbytes as int_sqrt(lowmem_kbytes * 16), clamped to [128, 262144]', () => {
    // The fixture machine's lowmem: 940488 pages = 3761952 kB; sqrt(60191232) = 7758.3.
    expect(calculateMinFreeKbytes(940488, 12)).toBe(7758);
    expect(calculateMinFreeKbytes(1, 12)).toBe(128);
    expect(calculateMinFreeKbytes(2 ** 40, 12)).toBe(262144);
    expect(intSqrt(60191232)).toBe(7758);
    expect(intSqrt(2 ** 52)).toBe(2 ** 26);
    expect(multFrac(772808, 10, 10000)).toBe(772);
  });

  it('sets a 1 GiB zone to the values worked out by hand', () => {
    // lowmem 262144 pages = 1 GiB -> min_free_kbytes = sqrt(1048576 * 16) = 4096 kB = 1024 pages.
    // gap = max(1024 / 4, 262144 * 10 / 10000 = 262) = 262 -> low 1286, high 1548, promo 1810.
    // batch: 262144 >> 12 = 64 -> rounddown_pow_of_two(96) - 1 = 63; high_min = 1286 / 2 CPUs = 643;
    // high_max = 262144 / 8 / 2 = 16384; threshold = 2 * fls(2) * (1 + fls(262144 >> 15 = 8)) = 20.
    const mm = boot(
      layout({ nrPages: 262144, maxOrder: 10, pageblockOrder: 9, nrCpus: 2, minFreeKbytes: undefined }),
      {},
    );
    const z = mm.zones[1]!;
    expect(mm.minFreeKbytes).toBe(4096);
    expect(z.watermark).toEqual([1024, 1286, 1548, 1810]);
    expect([z.pcpBatch, z.pcpHighMin, z.pcpHighMax, z.statThreshold]).toEqual([63, 643, 16384, 20]);
  });

  it('caps the min watermark of ZONE_MOVABLE to managed/1024 within [32, 128] and keeps the kswapd gaps proportional', () => {
    const wm = setupPerZoneWmarks([0, 262144, 262144, 1048576], 8192, 10, 12);
    // pages_min 2048 split over lowmem (DMA32 + Normal): 1024 each; Movable min = min(1024, 128) = 128.
    expect(wm[1]!.min).toBe(1024);
    expect(wm[3]!.min).toBe(128);
    // Movable gap: max(tmp/4 with tmp = 2048 * 1048576 / 524288 = 4096 -> 1024, 1048576 * 10 / 10000 = 1048) = 1048.
    expect(wm[3]!.low).toBe(128 + 1048);
    expect(setupPerZoneLowmemReserve([0, 262144, 262144, 1048576])).toEqual([
      [0, 0, 0, 0], // DMA manages nothing: no reserve
      [0, 0, 1024, 5120], // DMA32: 262144 / 256, (262144 + 1048576) / 256
      [0, 0, 0, 32768], // Normal: 1048576 / 32
      [0, 0, 0, 0],
    ]);
  });
});

describe('min_free_kbytes with transparent huge pages (set_recommended_min_free_kbytes)', () => {
  it('recommends 11 pageblocks per populated zone up to Normal, capped at 5 % of the free buffer pages', () => {
    // This machine's capture: 3 populated zones, 2 MiB pageblocks of 4 KiB pages.
    expect(recommendedMinFreeKbytes(3, 2_000_000, 512, 12)).toBe(67584);
    // 5 % of 100000 pages is 5000 pages: the cap wins over 3 * 512 * 11 = 16896.
    expect(recommendedMinFreeKbytes(3, 100_000, 512, 12)).toBe(20000);
    expect(recommendedMinFreeKbytes(0, 100_000, 512, 12)).toBe(0);
  });

  const twoZones = (thp: boolean, minFreeKbytes?: number) =>
    boot(
      layout({
        startPfn: 0x1000,
        nrPages: 0x10000,
        zones: [
          { name: 'DMA32', startPfn: 0x1000, endPfn: 0x9000 },
          { name: 'Normal', startPfn: 0x9000, endPfn: 0x11000 },
        ],
        maxOrder: 10,
        pageblockOrder: 9,
        minFreeKbytes,
        thp,
      }),
    );

  it('raises the calculated min_free_kbytes when THP is on, and every watermark follows', () => {
    // 65536 pages of lowmem: int_sqrt(262144 KiB * 16) = 2048 KiB, 256 pages min per zone, high 384.
    expect(twoZones(false).minFreeKbytes).toBe(2048);
    const mm = twoZones(true);
    // 2 zones * 512 * 11 = 11264 pages, capped at (2 * (32768 - 384)) / 20 = 3238 pages.
    expect(mm.minFreeKbytes).toBe(3238 * 4);
    expect(mm.zones.filter((z) => z.populated).map((z) => z.minWmark)).toEqual([1619, 1619]);
  });

  it('keeps a min_free_kbytes the board sets, THP or not (a sysctl written after boot)', () => {
    expect(twoZones(true, 4096).minFreeKbytes).toBe(4096);
  });
});
