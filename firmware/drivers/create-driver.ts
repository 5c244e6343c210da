import type { ControllerConfig, DramStandard } from '../../hal/board/board-config.js';
import { FslMmdcDriver } from './fsl-mmdc.js';
import type { MemoryControllerDriver } from './mr-driver.js';
import { SnpsUmctl2Driver } from './snps-umctl2.js';
import { StePrcmuDriver, type StePrcmuDriverOptions } from './ste-prcmu.js';
import { TiEmifDriver, type TiEmifDriverOptions } from './ti-emif.js';

export interface DriverOptions {
  readonly 'ti-emif'?: TiEmifDriverOptions;
  readonly 'ste-prcmu'?: StePrcmuDriverOptions;
}

/** The driver for a controller of the board (`standard`: the board's DRAM standard). */
export function createDriver(
  controller: ControllerConfig,
  standard: DramStandard,
  options: DriverOptions = {},
): MemoryControllerDriver {
  switch (controller.kind) {
    case 'ti-emif':
      return new TiEmifDriver(controller, standard, options['ti-emif']);
    case 'fsl-mmdc':
      return new FslMmdcDriver(controller, standard);
    case 'snps-umctl2':
      return new SnpsUmctl2Driver(controller, standard);
    case 'ste-prcmu':
      return new StePrcmuDriver(controller, standard, options['ste-prcmu']);
    default: {
      const kind: string = (controller as { kind: string }).kind;
      throw new Error(`controller ${controller.id}: no driver for controller kind ${JSON.stringify(kind)}`);
    }
  }
}
