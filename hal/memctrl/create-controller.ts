import type { ControllerConfig } from '../board/board-config.js';
import type { Clock } from '../clock.js';
import type { DiePort } from '../lpddr/die-port.js';
import type { TraceBus } from '../trace/trace-bus.js';
import { FslMmdc, type FslMmdcOptions } from './fsl-mmdc.js';
import type { MemoryController } from './memory-controller.js';
import { SnpsUmctl2, type SnpsUmctl2Options } from './snps-umctl2.js';
import { StePrcmu, type StePrcmuOptions } from './ste-prcmu.js';
import { TiEmif, type TiEmifOptions } from './ti-emif.js';

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
      throw new Error(`controller ${config.id}: unknown controller kind ${JSON.stringify(kind)} (known: ti-emif, fsl-mmdc, snps-umctl2, ste-prcmu)`);
    }
  }
}
