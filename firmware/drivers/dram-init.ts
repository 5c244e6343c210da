import type { DieConfig, DramStandard } from '../../hal/board/board-config.js';
import { modeRegister } from '../../hal/lpddr/mode-registers.js';
import { specOf, timingsOf } from '../../hal/lpddr/standards.js';
import { checkByte, pasrRegisters } from './mr-driver.js';

/**
 * The mode-register part of the boot loader's DRAM init, per standard (what U-Boot/SPL writes
 * through the controller once the controller itself is configured), as data each driver turns
 * into its own register sequence and order:
 *
 *   reset   MRW MR63 (where the standard has a reset MR and the boot loader issues it), then
 *           wait tDAI for device auto-initialisation;
 *   zq      MRW MR10 = ZQINIT (0xFF) where MR10 is the ZQ command register (LPDDR2/3), then
 *           wait tZQINIT (1 us, ✔ UB-EMIFC);
 *   mr1..3  burst length / write recovery, latencies, drive strength (values per board: the
 *           driver's defaults come from the U-Boot code for that controller);
 *   pasr    MR16 = 0 and MR17 = 0 (MR23 = 0 on LPDDR5): full-array refresh, U-Boot's
 *           `MR16_REF_FULL_ARRAY` (✔ UB-EMIF); MR17/MR23 only where the part has it.
 *
 * The standard-specific facts (reset MR, ZQ codes, PASR MRs, tDAI, tZQINIT) come from the LPDDR
 * per-standard tables (hal/lpddr/standards.ts), which mark their unverified entries.
 */

export interface InitMrw {
  readonly mr: number;
  readonly value: number;
}

export interface InitPlan {
  /** Reset MRW and the wait after it, or null. */
  readonly reset: (InitMrw & { readonly waitNs: number }) | null;
  /** ZQ-init MRW and the wait after it, or null. */
  readonly zq: (InitMrw & { readonly waitNs: number }) | null;
  readonly mr1: InitMrw | null;
  readonly mr2: InitMrw | null;
  readonly mr3: InitMrw | null;
  /** MRWs clearing the PASR masks (bank mask first). */
  readonly pasr: readonly InitMrw[];
  /** The standard's MR0 has the DAI bit (LPDDR2/3): the boot loader can poll it. */
  readonly daiPollable: boolean;
}

/** MR1..MR3 values; null = do not write that MR. */
export interface InitValues {
  readonly mr1: number | null;
  readonly mr2: number | null;
  readonly mr3: number | null;
}

/** ZQ code named "ZQINIT" in the standard's MR10 code table. */
function zqInitCode(standard: DramStandard): number | null {
  const codes = specOf(standard).zqCodes;
  if (codes === null) return null;
  const hit = Object.entries(codes).find(([, name]) => name.startsWith('ZQINIT'));
  return hit ? Number(hit[0]) : null;
}

export function initPlan(
  where: string,
  standard: DramStandard,
  die: DieConfig,
  values: InitValues,
  withReset: boolean,
): InitPlan {
  const spec = specOf(standard);
  const t = timingsOf(standard, undefined, die.part.timings, die.part.densityMbit);
  for (const [n, v] of [
    ['MR1', values.mr1],
    ['MR2', values.mr2],
    ['MR3', values.mr3],
  ] as const) {
    if (v !== null) checkByte(where, `${n} value`, v);
  }
  const zq = zqInitCode(standard);
  const pasr = pasrRegisters(standard, die);
  const mr0 = modeRegister(standard, 0);
  return {
    reset: withReset && spec.resetMr !== null ? { mr: spec.resetMr, value: 0, waitNs: t.tDAI } : null,
    zq: zq !== null ? { mr: 10, value: zq, waitNs: t.tZQINIT } : null,
    mr1: values.mr1 === null ? null : { mr: 1, value: values.mr1 },
    mr2: values.mr2 === null ? null : { mr: 2, value: values.mr2 },
    mr3: values.mr3 === null ? null : { mr: 3, value: values.mr3 },
    pasr: [pasr.bankMr, pasr.segmentMr].filter((m): m is number => m !== null).map((mr) => ({ mr, value: 0 })),
    daiPollable: mr0?.fields.some((f) => f.name === 'DAI') ?? false,
  };
}

/** Resolve init values: explicit options win over the driver's defaults; `undefined` keeps the default. */
export function initValues(defaults: InitValues, options: { mr1?: number; mr2?: number; mr3?: number }): InitValues {
  return {
    mr1: options.mr1 ?? defaults.mr1,
    mr2: options.mr2 ?? defaults.mr2,
    mr3: options.mr3 ?? defaults.mr3,
  };
}
