import type { ControllerConfig } from '../board/board-config.js';
import type { Clock } from '../clock.js';
import type { DiePort } from '../lpddr/die-port.js';
import type { TraceBus } from '../trace/trace-bus.js';
import type { ControllerKind } from '../board/board-config.js';
import type { BlockDecl } from '../regs/register.js';
import { FSL_MMDC, FslMmdc, mmdcImageRefusal, type FslMmdcOptions } from './fsl-mmdc.js';
import { imageProblems, type ImageRefusal, type MemoryController } from './memory-controller.js';
import {
  IMX8M_DDRC_PERF,
  SNPS_UMCTL2,
  SnpsUmctl2,
  umctl2ImageRefusal,
  umctl2PerfImageRefusal,
  type SnpsUmctl2Options,
} from './snps-umctl2.js';
import { prcmuDecls, prcmuImageRefusal, StePrcmu, type StePrcmuOptions } from './ste-prcmu.js';
import { dmmBaseRefusal, TI_DMM } from './ti-dmm.js';
import { emifImageRefusal, TI_EMIF, TI_EMIF_ES2, TiEmif, type TiEmifOptions } from './ti-emif.js';

/** Model options, per controller kind (all optional; defaults are documented on each model). */
export interface ControllerOptions {
  readonly 'ti-emif'?: TiEmifOptions;
  readonly 'fsl-mmdc'?: FslMmdcOptions;
  readonly 'snps-umctl2'?: SnpsUmctl2Options;
  readonly 'ste-prcmu'?: StePrcmuOptions;
}

/** Build the model for a controller config; `dies` are the ports of the config's dies (matched by id). */
export function createController(
  config: ControllerConfig,
  dies: readonly DiePort[],
  clock: Clock,
  trace: TraceBus,
  options: ControllerOptions = {},
): MemoryController {
  switch (config.kind) {
    case 'ti-emif':
      return new TiEmif(config, dies, clock, trace, options['ti-emif']);
    case 'fsl-mmdc':
      return new FslMmdc(config, dies, clock, trace, options['fsl-mmdc']);
    case 'snps-umctl2':
      return new SnpsUmctl2(config, dies, clock, trace, options['snps-umctl2']);
    case 'ste-prcmu':
      return new StePrcmu(config, dies, clock, trace, options['ste-prcmu']);
    default: {
      const kind: string = (config as { kind: string }).kind;
      throw new Error(
        `controller ${config.id}: unknown controller kind ${JSON.stringify(kind)} (known: ti-emif, fsl-mmdc, snps-umctl2, ste-prcmu)`,
      );
    }
  }
}

/** The register blocks of a controller kind: its own block and its extra blocks by key. */
export interface ControllerDecls {
  readonly main: BlockDecl;
  readonly mainRefusal: ImageRefusal | undefined;
  readonly blocks: Readonly<
    Record<
      string,
      {
        readonly decl: BlockDecl;
        readonly refusal: ImageRefusal | undefined;
        readonly required: boolean;
        /** Why the model refuses a base address for this block (undefined: any word-aligned base). */
        readonly baseRefusal?: (base: number) => string | undefined;
      }
    >
  >;
}

/**
 * End (exclusive) of the bus addresses a kind's register windows can sit at: EMIF, MMDC and PRCMU
 * live in 32-bit SoCs (OMAP4/5, i.MX6, U8500) whose 32-bit U-Boot reaches nothing above 4 GiB;
 * the uMCTL2 boards are arm64 (48-bit physical addresses).
 */
export const REGISTER_ADDRESS_END: Readonly<Record<ControllerKind, number>> = {
  'ti-emif': 2 ** 32,
  'fsl-mmdc': 2 ** 32,
  'ste-prcmu': 2 ** 32,
  'snps-umctl2': 2 ** 48,
};

/** Declarations for a kind (with the same options the model would get). */
export function controllerDecls(kind: ControllerKind, options: ControllerOptions = {}): ControllerDecls {
  switch (kind) {
    case 'ti-emif':
      return {
        main: options['ti-emif']?.es2DataAlias ? TI_EMIF_ES2 : TI_EMIF,
        mainRefusal: emifImageRefusal,
        blocks: { dmm: { decl: TI_DMM, refusal: undefined, required: false, baseRefusal: dmmBaseRefusal } },
      };
    case 'fsl-mmdc':
      return { main: FSL_MMDC, mainRefusal: mmdcImageRefusal, blocks: {} };
    case 'snps-umctl2':
      return {
        main: SNPS_UMCTL2,
        mainRefusal: umctl2ImageRefusal,
        blocks: { perf: { decl: IMX8M_DDRC_PERF, refusal: umctl2PerfImageRefusal, required: false } },
      };
    case 'ste-prcmu': {
      const d = prcmuDecls(options['ste-prcmu']?.layout);
      return {
        main: d.prcmu,
        mainRefusal: prcmuImageRefusal,
        blocks: { tcdm: { decl: d.tcdm, refusal: prcmuImageRefusal, required: true } },
      };
    }
    default: {
      const k: string = kind;
      throw new Error(
        `unknown controller kind ${JSON.stringify(k)} (known: ti-emif, fsl-mmdc, snps-umctl2, ste-prcmu)`,
      );
    }
  }
}

/**
 * Every problem the model's constructor would throw for this config's register images and
 * blocks (unknown register or block names, values that are not 32-bit, values the model
 * refuses, a missing required block), one message each, without building the model. For the
 * board loader's pre-validation.
 */
export function registerImageProblems(config: ControllerConfig, options: ControllerOptions = {}): string[] {
  const where = `${config.kind} ${config.id}`;
  const decls = controllerDecls(config.kind, options);
  const out = imageProblems(where, decls.main, config.registers, decls.mainRefusal);
  for (const [key, b] of Object.entries(config.blocks)) {
    const known = decls.blocks[key];
    if (!known) {
      const keys = Object.keys(decls.blocks);
      out.push(
        `${where}: unknown block ${key} (this controller knows ${keys.length ? keys.join(', ') : 'no extra blocks'})`,
      );
      continue;
    }
    out.push(...imageProblems(`${where} block ${key}`, known.decl, b.registers, known.refusal));
  }
  for (const [key, b] of Object.entries(decls.blocks)) {
    if (b.required && !config.blocks[key]) out.push(`${where}: needs blocks.${key}`);
  }
  return out;
}
