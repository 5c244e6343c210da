/**
 * Zone watermarks, lowmem reserves and per-cpu pageset sizing, as computed by Linux v6.18
 * (mm/page_alloc.c: calculate_min_free_kbytes, __setup_per_zone_wmarks,
 * setup_per_zone_lowmem_reserve, zone_batchsize, zone_highsize; mm/vmstat.c:
 * calculate_normal_threshold). Pure integer functions of the zones' managed page counts.
 *
 * Checked against /proc/zoneinfo of a 6.18 machine (test/fixtures/proc/zoneinfo): every
 * min/low/high/promo, protection, batch, high_min, high_max and stats threshold there is
 * reproduced exactly by these functions (test/firmware/mm/watermarks.test.ts).
 */
import { ZONE_MOVABLE } from './layout.js';
import { MIGRATE_PCPTYPES } from './migratetype.js';

/** sysctl_lowmem_reserve_ratio defaults: DMA 256, DMA32 256, NORMAL 32, MOVABLE 0. */
export const DEFAULT_LOWMEM_RESERVE_RATIO: readonly number[] = [256, 256, 32, 0];
export const DEFAULT_WATERMARK_SCALE_FACTOR = 10;
/** watermark_boost_factor default (mm/page_alloc.c). */
export const DEFAULT_WATERMARK_BOOST_FACTOR = 15000;
/** MIN_PERCPU_PAGELIST_HIGH_FRACTION: pcp high_max is managed / 8 split across CPUs. */
export const MIN_PERCPU_PAGELIST_HIGH_FRACTION = 8;
/** SWAP_CLUSTER_MAX. */
export const SWAP_CLUSTER_MAX = 32;

/** int_sqrt(): floor of the square root, exact for all safe integers. */
export function intSqrt(x: number): number {
  if (x < 0) throw new RangeError(`intSqrt of ${x}`);
  let r = Math.floor(Math.sqrt(x));
  while (r * r > x) r--;
  while ((r + 1) * (r + 1) <= x) r++;
  return r;
}

/** mult_frac(x, n, d) = x * n / d without intermediate overflow, rounded down. */
export function multFrac(x: number, n: number, d: number): number {
  const q = Math.floor(x / d);
  const r = x % d;
  return q * n + Math.floor((r * n) / d);
}

/** fls(): index of the most significant set bit, 1-based; fls(0) = 0. */
export function fls(x: number): number {
  return x <= 0 ? 0 : 32 - Math.clz32(x);
}

/** rounddown_pow_of_two() for x >= 1. */
export function rounddownPowOfTwo(x: number): number {
  return 2 ** (fls(x) - 1);
}

/**
 * calculate_min_free_kbytes(): int_sqrt(lowmem_kbytes * 16) clamped to [128, 262144], where
 * lowmem is the managed pages of every zone but ZONE_MOVABLE (nr_free_buffer_pages() at boot,
 * when watermarks are still zero).
 */
export function calculateMinFreeKbytes(lowmemManagedPages: number, pageShift: number): number {
  const lowmemKbytes = lowmemManagedPages * 2 ** (pageShift - 10);
  const v = intSqrt(lowmemKbytes * 16);
  return Math.min(Math.max(v, 128), 262144);
}

/**
 * set_recommended_min_free_kbytes() (mm/khugepaged.c), with THP enabled: per populated zone up
 * to ZONE_NORMAL, 2 free pageblocks plus MIGRATE_PCPTYPES^2 pageblocks for fallbacks, capped
 * at 5 % of nr_free_buffer_pages(); in KiB. The caller raises min_free_kbytes to it when larger.
 */
export function recommendedMinFreeKbytes(
  populatedZones: number,
  nrFreeBufferPages: number,
  pageblockNrPages: number,
  pageShift: number,
): number {
  let recommended = pageblockNrPages * populatedZones * 2;
  recommended += pageblockNrPages * populatedZones * MIGRATE_PCPTYPES * MIGRATE_PCPTYPES;
  recommended = Math.min(recommended, Math.floor(nrFreeBufferPages / 20));
  return recommended * 2 ** (pageShift - 10);
}

export interface ZoneWatermarks {
  min: number;
  low: number;
  high: number;
  promo: number;
}

/**
 * __setup_per_zone_wmarks(). managed[i] is zone i's managed pages (zone_idx order).
 *  - min: min_free_kbytes in pages, split across lowmem zones by managed share; ZONE_MOVABLE
 *    gets managed/1024 clamped to [SWAP_CLUSTER_MAX, 128] instead;
 *  - the kswapd gap tmp = max(share/4, managed * watermark_scale_factor / 10000);
 *  - low = min + tmp, high = low + tmp, promo = high + tmp.
 */
export function setupPerZoneWmarks(
  managed: readonly number[],
  minFreeKbytes: number,
  watermarkScaleFactor: number,
  pageShift: number,
): ZoneWatermarks[] {
  const pagesMin = Math.floor(minFreeKbytes / 2 ** (pageShift - 10));
  let lowmemPages = 0;
  managed.forEach((m, i) => {
    if (i !== ZONE_MOVABLE) lowmemPages += m;
  });
  return managed.map((m, i) => {
    // tmp = pages_min * managed / lowmem_pages (u64 arithmetic in Linux; exact here below 2^53)
    let tmp = lowmemPages > 0 ? Math.floor((pagesMin * m) / lowmemPages) : 0;
    let min: number;
    if (i === ZONE_MOVABLE) {
      min = Math.min(Math.max(Math.floor(m / 1024), SWAP_CLUSTER_MAX), 128);
    } else {
      min = tmp;
    }
    tmp = Math.max(Math.floor(tmp / 4), multFrac(m, watermarkScaleFactor, 10000));
    const low = min + tmp;
    const high = low + tmp;
    return { min, low, high, promo: high + tmp };
  });
}

/**
 * setup_per_zone_lowmem_reserve(): reserve[i][j] = (sum of managed pages of zones i+1..j) /
 * ratio[i] for j > i; 0 when the ratio is 0 or zone i manages no pages.
 */
export function setupPerZoneLowmemReserve(
  managed: readonly number[],
  ratio: readonly number[] = DEFAULT_LOWMEM_RESERVE_RATIO,
): number[][] {
  const n = managed.length;
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(n).fill(0);
    const r = ratio[i] ?? 0;
    const clear = !r || !managed[i];
    let sum = 0;
    for (let j = i + 1; j < n; j++) {
      sum += managed[j]!;
      row[j] = clear ? 0 : Math.floor(sum / r);
    }
    out.push(row);
  }
  return out;
}

/**
 * zone_batchsize() as observed on v6.18: b = min(managed >> 12, 256 KiB worth of pages), at
 * least 1, then rounddown_pow_of_two(b + b/2) - 1, at least 1. (Older kernels divided b by 4
 * first; the 6.18 zoneinfo fixture shows batch 63 for a 3 GiB zone, which only the undivided
 * formula gives.)
 */
export function zoneBatchsize(managedPages: number, pageShift: number): number {
  let batch = Math.min(Math.floor(managedPages / 4096), Math.floor(2 ** 18 / 2 ** pageShift));
  if (batch < 1) batch = 1;
  batch = rounddownPowOfTwo(batch + Math.floor(batch / 2)) - 1;
  return Math.max(1, batch);
}

/**
 * zone_highsize(): pcp high = (low watermark, or managed / fraction) split across the CPUs,
 * at least 4 * batch. With fraction 0 this is high_min; with MIN_PERCPU_PAGELIST_HIGH_FRACTION
 * it is high_max.
 */
export function zoneHighsize(
  lowWmark: number,
  managedPages: number,
  batch: number,
  nrCpus: number,
  highFraction: number,
): number {
  const total = highFraction === 0 ? lowWmark : Math.floor(managedPages / highFraction);
  const high = Math.floor(total / nrCpus);
  return Math.max(high, batch * 4);
}

/** calculate_normal_threshold() (mm/vmstat.c): the per-cpu vmstat drift threshold. */
export function calculateNormalThreshold(managedPages: number, nrCpus: number, pageShift: number): number {
  const mem = Math.floor(managedPages / 2 ** (27 - pageShift));
  return Math.min(125, 2 * fls(nrCpus) * (1 + fls(mem)));
}
