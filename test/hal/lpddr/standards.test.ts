import { describe, expect, it } from 'vitest';
import type { DramStandard } from '../../../hal/board/board-config.js';
import {
  STANDARDS,
  bankCount,
  decodeMr8,
  effectiveMasks,
  encodeMr8,
  geometryOf,
  mr4CodeFor,
  mrSpec,
  mrSpecs,
  refreshedFraction,
  s2PasrMasks,
  segmentCount,
  timingsOf,
  unverifiedOf,
  refreshRateAt,
  vendorName,
} from '../../../hal/lpddr/standards.js';

const MiB = 1024 * 1024;
const ALL = Object.keys(STANDARDS) as DramStandard[];

describe('geometry tables', () => {
  it('hold exactly the density of every row (banks x rows x columns x width)', () => {
    for (const std of ALL) {
      for (const row of STANDARDS[std].geometry) {
        const g = geometryOf(std, row.densityMbit, row.ioWidth);
        expect(g.bytes * 8, `${std} ${row.densityMbit} Mbit x${row.ioWidth}`).toBe(row.densityMbit * MiB);
        expect(g.segments * g.rowsPerSegment, `${std} ${row.densityMbit} Mbit segments`).toBe(g.rows);
        expect([6, 8]).toContain(g.segments);
      }
    }
  });

  it('gives LPDDR2-S4 2 Gb x32 8 banks, 14 row bits, 9 column bits and 32 MiB segments on R13:R11', () => {
    const g = geometryOf('LPDDR2-S4', 2048, 32);
    expect([g.banks, g.rowBits, g.columnBits]).toEqual([8, 14, 9]);
    expect(g.segmentRowBits).toEqual([11, 12, 13]);
    expect(g.segmentBytes).toBe(32 * MiB);
    expect(g.segmentMaskMr).toBe(17);
    expect(segmentCount('LPDDR2-S4', 2048, 32)).toBe(8);
  });

  it('gives the LPDDR2-S4 segment sizes of reference §1.2 (1 Gb 16 MiB, 4 Gb 64 MiB, 8 Gb 128 MiB on R14:R12)', () => {
    expect(geometryOf('LPDDR2-S4', 1024, 32).segmentBytes).toBe(16 * MiB);
    expect(geometryOf('LPDDR2-S4', 1024, 32).segmentRowBits).toEqual([10, 11, 12]);
    expect(geometryOf('LPDDR2-S4', 4096, 32).segmentBytes).toBe(64 * MiB);
    expect(geometryOf('LPDDR2-S4', 4096, 16).columnBits).toBe(11);
    expect(geometryOf('LPDDR2-S4', 8192, 32).segmentBytes).toBe(128 * MiB);
    expect(geometryOf('LPDDR2-S4', 8192, 32).segmentRowBits).toEqual([12, 13, 14]);
  });

  it('has no segment mask on LPDDR2-S4 below 1 Gb nor on S2 parts, which have 4 banks', () => {
    expect(segmentCount('LPDDR2-S4', 512, 32)).toBe(0);
    expect(geometryOf('LPDDR2-S4', 512, 32).segmentMaskMr).toBeNull();
    expect(segmentCount('LPDDR2-S2', 1024, 32)).toBe(0);
    expect(bankCount('LPDDR2-S2', 2048, 16)).toBe(4);
    expect(geometryOf('LPDDR2-S2', 2048, 32).rowBits).toBe(15);
    expect(geometryOf('LPDDR2-S2', 2048, 32).bankMaskKind).toBe('s2-code');
  });

  it('gives LPDDR4 8 Gb per channel 65536 rows, segments on R15:R13 of 128 MiB', () => {
    const g = geometryOf('LPDDR4', 8192, 16);
    expect([g.banks, g.rows, g.rowBits, g.columnBits]).toEqual([8, 65536, 16, 10]);
    expect(g.segmentRowBits).toEqual([13, 14, 15]);
    expect(g.segmentBytes).toBe(128 * MiB);
  });

  it('gives 3/4-density parts (LPDDR4 6 Gb per channel) six segments: 6 and 7 do not exist', () => {
    const g = geometryOf('LPDDR4', 6144, 16);
    expect(g.rows).toBe(49152);
    expect(g.rowBits).toBe(16);
    expect(g.segments).toBe(6);
    expect(segmentCount('LPDDR4', 6144, 16)).toBe(6);
    expect(g.segmentBytes).toBe(128 * MiB);
    expect(geometryOf('LPDDR3', 6144, 32).segments).toBe(6);
  });

  it('gives LPDDR3 4 Gb x32 the DRAMSys geometry and LPDDR5 an MR23 segment mask and no bank mask', () => {
    const g3 = geometryOf('LPDDR3', 4096, 32);
    expect([g3.banks, g3.rows, g3.columnBits]).toEqual([8, 16384, 10]);
    const g5 = geometryOf('LPDDR5', 8192, 16);
    expect(g5.segmentMaskMr).toBe(23);
    expect(g5.bankMaskMr).toBeNull();
  });

  it('throws a clear error for a density or width the standard lacks', () => {
    expect(() => geometryOf('LPDDR2-S4', 16384, 32)).toThrow(
      'LPDDR2-S4 has no 16384 Mbit density; known densities: 64 Mb, 128 Mb, 256 Mb, 512 Mb, 1 Gb, 2 Gb, 4 Gb, 8 Gb',
    );
    expect(() => geometryOf('LPDDR2-S4', 2048, 8)).toThrow(
      'LPDDR2-S4 has no x8 part of 2 Gb (2048 Mbit); widths at that density: x32, x16',
    );
    expect(() => geometryOf('LPDDR4', 1000, 16)).toThrow('LPDDR4 has no 1000 Mbit density');
  });
});

describe('MR8 encodings', () => {
  it('round-trips every density and width code of every standard', () => {
    for (const std of ALL) {
      const c = STANDARDS[std].mr8;
      for (const [dc, mbit] of Object.entries(c.densityCodes)) {
        for (const [wc, width] of Object.entries(c.widthCodes)) {
          const v = encodeMr8(std, mbit, width);
          expect((v >>> 2) & 0xf, `${std} ${mbit}`).toBe(Number(dc));
          expect(v >>> 6, `${std} x${width}`).toBe(Number(wc));
          const d = decodeMr8(std, v);
          expect([d.densityMbit, d.ioWidth, d.type, d.matchesStandard]).toEqual([mbit, width, c.expectedType, true]);
        }
      }
    }
  });

  it('encodes LPDDR3 6 Gb as density code 0xE (S8 x32 = 0x3B)', () => {
    expect(encodeMr8('LPDDR3', 6144, 32)).toBe(0x3b);
    expect(decodeMr8('LPDDR3', 0x3b)).toEqual({
      type: 'S8',
      densityMbit: 6144,
      deviceDensityMbit: 6144,
      ioWidth: 32,
      matchesStandard: true,
    });
  });

  it('decodes LPDDR2 2 Gb x32 S4 (Elpida ECB240ABACN) as 0x14', () => {
    expect(encodeMr8('LPDDR2-S4', 2048, 32)).toBe(0x14);
    expect(decodeMr8('LPDDR2-S4', 0x14).densityMbit).toBe(2048);
  });

  it('decodes LPDDR4 density per channel, as coreboot records it (MR8 0x10 = 8 Gb per channel, 16 Gb die)', () => {
    expect(decodeMr8('LPDDR4', 0x10)).toEqual({
      type: 'S16',
      densityMbit: 8192,
      deviceDensityMbit: 16384,
      ioWidth: 16,
      matchesStandard: true,
    });
    expect(decodeMr8('LPDDR4X', 0x08).deviceDensityMbit).toBe(8192); // Samsung K4F8E3S4HD, 1 GiB
  });

  it('reports a type of another standard and rejects reserved codes with the field named', () => {
    expect(decodeMr8('LPDDR2-S4', 0x15).matchesStandard).toBe(false);
    expect(decodeMr8('LPDDR2-S4', 0x15).type).toBe('S2');
    expect(() => decodeMr8('LPDDR2-S4', 0x28)).toThrow('MR8 0x28 (LPDDR2-S4): density code 0xa (OP[5:2]) is reserved');
    expect(() => decodeMr8('LPDDR2-S4', 0xd4)).toThrow('MR8 0xd4 (LPDDR2-S4): I/O width code 3 (OP[7:6]) is reserved');
    expect(() => decodeMr8('LPDDR4', 0x1c)).toThrow('MR8 0x1c (LPDDR4): density code 0x7 (OP[5:2]) is reserved');
    expect(() => decodeMr8('LPDDR4', 256)).toThrow('MR8 value 256 is not a byte');
    expect(() => encodeMr8('LPDDR2-S4', 6144, 32)).toThrow('LPDDR2-S4 MR8 has no density code for 6144 Mbit');
  });
});

describe('MR map per standard', () => {
  it('declares access per MR: identity read-only, PASR masks write-only', () => {
    expect(mrSpec('LPDDR2-S4', 17)).toMatchObject({ name: 'MR17', title: 'PASR Segment Mask', access: 'wo', reset: 0 });
    expect(mrSpec('LPDDR2-S4', 16)?.access).toBe('wo');
    for (const mr of [0, 4, 5, 6, 7, 8]) expect(mrSpec('LPDDR2-S4', mr)?.access, `MR${mr}`).toBe('ro');
    expect(mrSpec('LPDDR2-S4', 63)?.access).toBe('wo');
  });

  it('keys MR meaning by standard: MR23 is the LPDDR5 PASR mask but the LPDDR4 DQS oscillator', () => {
    expect(mrSpec('LPDDR5', 23)?.title).toBe('PASR Mask');
    expect(mrSpec('LPDDR4', 23)?.title).toBe('DQS Oscillator run time (not PASR on LPDDR4)');
    expect(mrSpec('LPDDR5', 17)).toBeUndefined();
    expect(mrSpec('LPDDR2-S2', 17)).toBeUndefined();
    expect(mrSpec('LPDDR2-S4', 42)).toBeUndefined();
    expect(mrSpecs('LPDDR5').map((m) => m.mr)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 23, 25]);
  });

  it('names vendors from MR5 and lists the unverified parameters of a standard', () => {
    expect(vendorName(3)).toBe('Elpida');
    expect(vendorName(0xff)).toBe('Micron');
    expect(vendorName(42)).toBeUndefined();
    expect(unverifiedOf('LPDDR5')).toContain('LPDDR5_MR23_POLARITY');
    expect(unverifiedOf('LPDDR2-S4')).toContain('PASR_COMBINE_RULE');
  });
});

describe('timings', () => {
  it('evaluates the LPDDR2 tCK multiples at 400 MHz', () => {
    const t = timingsOf('LPDDR2-S4', undefined, undefined, 2048);
    expect(t).toMatchObject({
      tCK: 2.5,
      tMRW: 12.5,
      tMRD: 12.5,
      tMRR: 5,
      tREFI: 3900,
      tRFCab: 130,
      tXSR: 140,
      tZQINIT: 1000,
    });
  });

  it('takes max(ns, nCK) for LPDDR3/4/5 and matches DRAMSys tXSR', () => {
    expect(timingsOf('LPDDR3', undefined, undefined, 4096)).toMatchObject({ tMRW: 14, tMRR: 5, tXSR: 140 });
    expect(timingsOf('LPDDR3', 2.5).tMRW).toBe(25);
    const l4 = timingsOf('LPDDR4', undefined, undefined, 8192);
    expect(l4).toMatchObject({ tCK: 0.625, tMRW: 10, tMRD: 14, tMRR: 5, tRFCab: 280 });
    expect(l4.tXSR).toBe(460 * 0.625);
    expect(timingsOf('LPDDR4', 1.25).tMRW).toBe(12.5);
    expect(timingsOf('LPDDR5', 2.5).tMRW).toBe(12.5);
    expect(timingsOf('LPDDR5').tMRW).toBe(10);
  });

  it('applies overrides, feeding tRFCab into tXSR, and rejects unknown names', () => {
    const t = timingsOf('LPDDR4', undefined, { tRFCab: 300, tMRW: 20 }, 8192);
    expect([t.tRFCab, t.tXSR, t.tMRW]).toEqual([300, 307.5, 20]);
    expect(() => timingsOf('LPDDR4', undefined, { tFOO: 1 })).toThrow("LPDDR4: unknown timing override 'tFOO'");
    expect(() => timingsOf('LPDDR4', undefined, { tMRW: -1 })).toThrow(
      'LPDDR4: timing override tMRW = -1 ns is not a finite non-negative time',
    );
    expect(() => timingsOf('LPDDR4', 0)).toThrow('LPDDR4: tCK 0 ns is not a positive time');
  });
});

describe('refreshed fraction', () => {
  const g2 = geometryOf('LPDDR2-S4', 2048, 32);

  it('counts a row as refreshed only if neither its bank nor its segment is masked', () => {
    expect(refreshedFraction('LPDDR2-S4', g2, 0, 0)).toBe(1);
    expect(refreshedFraction('LPDDR2-S4', g2, 0x0f, 0)).toBe(0.5);
    expect(refreshedFraction('LPDDR2-S4', g2, 0, 0xf0)).toBe(0.5);
    expect(refreshedFraction('LPDDR2-S4', g2, 0x0f, 0xf0)).toBe(0.25);
    expect(refreshedFraction('LPDDR2-S4', g2, 0xff, 0)).toBe(0);
  });

  it('can combine the masks the other way (a row is lost only when both mask it)', () => {
    expect(refreshedFraction('LPDDR2-S4', g2, 0x0f, 0xf0, 'both')).toBe(0.75);
  });

  it('ignores mask bits of banks and segments that do not exist', () => {
    const g4 = geometryOf('LPDDR2-S4', 512, 32); // 4 banks, no MR17
    expect(refreshedFraction('LPDDR2-S4', g4, 0xf0, 0xff)).toBe(1);
    const g6 = geometryOf('LPDDR4', 6144, 16);
    expect(refreshedFraction('LPDDR4', g6, 0, 0xc0)).toBe(1);
    expect(refreshedFraction('LPDDR4', g6, 0, 0x01)).toBeCloseTo(5 / 6, 12);
    expect(effectiveMasks('LPDDR4', g6, 0, 0xff)).toEqual({ bankMask: 0, segmentMask: 0x3f });
    const g5 = geometryOf('LPDDR5', 8192, 16);
    expect(refreshedFraction('LPDDR5', g5, 0xff, 0x0f)).toBe(0.5);
  });

  it('decodes the S2 MR16 code as 1, 1/2, 1/4, 1/8 and drops the top banks first', () => {
    const s2 = geometryOf('LPDDR2-S2', 1024, 32);
    expect([0, 1, 2, 3].map((c) => refreshedFraction('LPDDR2-S2', s2, c, 0))).toEqual([1, 0.5, 0.25, 0.125]);
    expect(s2PasrMasks(s2, 0)).toEqual({ bankMask: 0, segmentMask: 0 });
    expect(s2PasrMasks(s2, 1)).toEqual({ bankMask: 0b1100, segmentMask: 0 });
    expect(s2PasrMasks(s2, 2)).toEqual({ bankMask: 0b1110, segmentMask: 0 });
    expect(s2PasrMasks(s2, 3)).toEqual({ bankMask: 0b1110, segmentMask: 0xf0 });
    // The translated masks cover exactly the unrefreshed part under the "either" rule.
    for (const code of [0, 1, 2, 3]) {
      const m = s2PasrMasks(s2, code);
      const banksKept = 4 - [1, 2, 4, 8].filter((b) => m.bankMask & b).length;
      const segsKept = 8 - [0, 1, 2, 3, 4, 5, 6, 7].filter((s) => m.segmentMask & (1 << s)).length;
      expect((banksKept / 4) * (segsKept / 8)).toBe(1 / 2 ** code);
    }
  });
});

describe('MR4 temperature codes', () => {
  it('reports nominal (3) up to 85 C and the derating codes above', () => {
    expect([-40, -10, 25, 45, 85, 86, 100, 120].map((t) => mr4CodeFor('LPDDR2-S4', t))).toEqual([
      0, 1, 2, 2, 3, 5, 6, 7,
    ]);
    expect(() => mr4CodeFor('LPDDR4', NaN)).toThrow('temperature NaN C is not a finite number');
  });
});

describe('auto-refresh derating', () => {
  it('refreshes at the nominal rate up to 85 °C and twice as often above, as a named unverified parameter', () => {
    for (const std of ['LPDDR2-S4', 'LPDDR3', 'LPDDR4', 'LPDDR5'] as const) {
      expect([
        refreshRateAt(std, -20),
        refreshRateAt(std, 85),
        refreshRateAt(std, 85.5),
        refreshRateAt(std, 110),
      ]).toEqual([1, 1, 2, 2]);
      expect(unverifiedOf(std)).toContain('AUTO_REFRESH_DERATING');
    }
    expect(() => refreshRateAt('LPDDR4', Number.NaN)).toThrow('temperature NaN C is not a finite number');
  });
});
