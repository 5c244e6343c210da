/**
 * Self-refresh current (IDD6) per partial-array setting, as published for Mobile DDR (LPDDR1) parts.
 * No LPDDR2, LPDDR3, LPDDR4/4X or LPDDR5 datasheet read so far publishes such a table
 * (shared/reference/idd6-pasr.md §1); these are the best data for the share of IDD6 that scales with the
 * refreshed fraction (`arrayShare`). array-share.ts fits them; ARRAY-SHARE.md beside this file explains.
 *
 * Data, not code. One series = one part, grade, limit kind (max or typ) and temperature, with its
 * (refreshed fraction, IDD6) points. Currents in µA, VDD supply (LPDDR1 has a single VDD/VDDQ pair and
 * no per-rail split). Certainty: ✔ read in the cited source; ◐ the table layout was inferred (see note).
 */

export type Certainty = '✔' | '◐';

export interface Idd6Source {
  /** Where the table was read (a datasheet mirror). */
  readonly url: string;
  /** Table or section name as printed. */
  readonly table: string;
  /** Other copies that agree. */
  readonly mirrors?: readonly string[];
}

export interface Idd6Series {
  /** Short unique id, e.g. `micron-mt46h32m32lg-lp-85`. */
  readonly id: string;
  readonly part: string;
  readonly densityMbit: number;
  /** Speed/power grade as the datasheet names it. */
  readonly grade: string;
  /** `max`: the tested limit; `typ`: characterization. */
  readonly limit: 'max' | 'typ';
  readonly temperatureC: number;
  /** [refreshed fraction, IDD6 µA], full array first. */
  readonly points: readonly (readonly [fraction: number, microamps: number])[];
  readonly source: Idd6Source;
  readonly certainty: Certainty;
  readonly note?: string;
}

const MICRON: Idd6Source = {
  url: 'http://m.beike2008.cn/mt46h32m32lgcm-5it-a_datasheet_15084794_15.html',
  table: 'Table 9: IDD6 Specifications and Conditions',
};
const SAMSUNG_1G: Idd6Source = {
  url: 'http://www.datasheetandpdf.com/EN/SAMSUNG/9/K4X1G163PC-L.htm',
  table: '§9.3 "Self Refresh Current (IDD6)" (p. 9/20)',
  mirrors: ['https://ru.elcodis.com/parts/6438589/K4X1G163PC-L_p9.html'],
};
const SAMSUNG_256M: Idd6Source = {
  url: 'http://elcodis.com/parts/6169540/k4x56163p-lg_p9.html',
  table: '§9.3 "Self Refresh Current (IDD6)" (p. 9)',
};
const QIMONDA: Idd6Source = {
  url: 'http://www.datasheetandpdf.com/EN/QIMONDA/52/HYB18L256160B.htm',
  table: 'TABLE 28 "Self Refresh Currents" (p. 52/58)',
};

const F5 = [1, 1 / 2, 1 / 4, 1 / 8, 1 / 16] as const;
const F3 = [1, 1 / 2, 1 / 4] as const;
const pts = (fractions: readonly number[], uA: readonly number[]): [number, number][] =>
  uA.map((i, k) => [fractions[k]!, i]);

const SAMSUNG_256M_NOTE =
  'column/row order inferred from the text layout (same template as K4X1G163PC, which two mirrors confirm)';

function micron(grade: 'LP' | 'std', t: number, uA: readonly number[], note?: string): Idd6Series {
  return {
    id: `micron-mt46h32m32lg-${grade.toLowerCase()}-${t}`,
    part: 'Micron MT46H32M32LG (x32 Mobile LPDDR)',
    densityMbit: 1024,
    grade: grade === 'LP' ? 'low-power' : 'standard',
    limit: 'max',
    temperatureC: t,
    points: pts(F5, uA),
    source: MICRON,
    certainty: '✔',
    ...(note ? { note } : {}),
  };
}

function samsung(part: 'K4X1G163PC' | 'K4X56163PI', grade: '-E' | '-G', t: number, uA: readonly number[]): Idd6Series {
  const big = part === 'K4X1G163PC';
  return {
    id: `samsung-${part.toLowerCase()}${grade.toLowerCase()}-${t}`,
    part: `Samsung ${part} (x16 Mobile DDR)`,
    densityMbit: big ? 1024 : 256,
    grade,
    limit: 'max',
    temperatureC: t,
    points: pts(F3, uA),
    source: big ? SAMSUNG_1G : SAMSUNG_256M,
    certainty: big ? '✔' : '◐',
    ...(big ? {} : { note: SAMSUNG_256M_NOTE }),
  };
}

function qimonda(grade: 'std' | 'L', limit: 'max' | 'typ', t: number, uA: readonly number[]): Idd6Series {
  return {
    id: `qimonda-hyb18l256160b-${grade.toLowerCase()}-${limit}-${t}`,
    part: 'Qimonda HYB18L256160B (Mobile-RAM)',
    densityMbit: 256,
    grade: grade === 'L' ? 'L (low-power)' : 'standard',
    limit,
    temperatureC: t,
    points: pts(F3, uA),
    source: QIMONDA,
    certainty: '✔',
    note:
      limit === 'typ'
        ? 'typical = characterization; the on-chip sensor sets the self-refresh rate continuously'
        : 'max = tested at 85 °C (note 2 of the table)',
  };
}

/** Every series read (shared/reference/idd6-pasr.md §1, rows 1-16). */
export const IDD6_PASR_SERIES: readonly Idd6Series[] = [
  micron('LP', 85, [1000, 750, 600, 550, 500]),
  micron('LP', 45, [500, 440, 380, 350, 330]),
  micron('std', 85, [1200, 900, 750, 750, 700], 'the 1/8 row equals the 1/4 row in the table'),
  micron('std', 45, [750, 730, 680, 620, 540]),
  samsung('K4X1G163PC', '-E', 45, [600, 500, 450]),
  samsung('K4X1G163PC', '-E', 85, [1200, 900, 750]),
  samsung('K4X1G163PC', '-G', 45, [500, 440, 400]),
  samsung('K4X1G163PC', '-G', 85, [1000, 800, 700]),
  samsung('K4X56163PI', '-E', 45, [200, 160, 140]),
  samsung('K4X56163PI', '-E', 85, [450, 300, 250]),
  samsung('K4X56163PI', '-G', 45, [150, 135, 130]),
  samsung('K4X56163PI', '-G', 85, [300, 250, 225]),
  qimonda('std', 'typ', 85, [510, 400, 340]),
  qimonda('std', 'max', 85, [600, 470, 400]),
  qimonda('std', 'typ', 70, [340, 285, 250]),
  qimonda('std', 'typ', 45, [225, 200, 185]),
  qimonda('std', 'typ', 25, [205, 180, 170]),
  qimonda('L', 'typ', 85, [430, 305, 245]),
  qimonda('L', 'max', 85, [450, 320, 260]),
  qimonda('L', 'typ', 70, [285, 220, 180]),
  qimonda('L', 'typ', 45, [190, 155, 135]),
  qimonda('L', 'typ', 25, [175, 140, 120]),
];
