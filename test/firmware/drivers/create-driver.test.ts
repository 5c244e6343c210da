import { describe, expect, it } from 'vitest';
import type { ControllerConfig, DramStandard } from '../../../hal/board/board-config.js';
import { createDriver } from '../../../firmware/drivers/create-driver.js';
import { TiEmifDriver } from '../../../firmware/drivers/ti-emif.js';
import { imx6slMmdc, imx8mmDdrc, pandaEmif, snowballPrcmu } from '../../hal/memctrl/controller-configs.js';
import { driverRig } from './driver-rig.js';

const BOARDS: [string, ControllerConfig, DramStandard][] = [
  ['ti-emif', pandaEmif(1), 'LPDDR2-S4'],
  ['fsl-mmdc', imx6slMmdc(), 'LPDDR2-S4'],
  ['snps-umctl2', imx8mmDdrc({ ranks: 2 }), 'LPDDR4'],
  ['ste-prcmu', snowballPrcmu(), 'LPDDR2-S4'],
];

describe('createDriver', () => {
  it('gives the driver of each controller kind', () => {
    for (const [kind, config, standard] of BOARDS) expect(createDriver(config, standard).kind).toBe(kind);
  });

  it('names an unknown kind', () => {
    const bogus = { ...pandaEmif(1), kind: 'arm-dmc' } as unknown as ControllerConfig;
    expect(() => createDriver(bogus, 'LPDDR2-S4')).toThrow('controller emif1: no driver for controller kind "arm-dmc"');
  });

  it('rejects a config of another kind', () => {
    expect(() => new TiEmifDriver({ ...pandaEmif(1), kind: 'fsl-mmdc' }, 'LPDDR2-S4')).toThrow(
      'ti-emif emif1: controller kind is fsl-mmdc',
    );
  });

  for (const [kind, config, standard] of BOARDS) {
    it(`${kind}: boot init, PASR on every die, a self-refresh cycle and MRR of MR5-MR8 touch only declared registers and raise no guest error`, () => {
      const r = driverRig(config, { standard, realDies: true });
      r.run(r.driver.dramInit());
      for (const d of config.dies) r.run(r.driver.pasrMasks(d, 0, 0x80));
      r.run(r.driver.selfRefreshEnter());
      r.clock.advance(1_000_000);
      r.run(r.driver.selfRefreshExit());
      if (r.driver.canMrr) {
        for (const d of config.dies) {
          const ids = [5, 6, 7, 8].map((mr) => {
            const read = r.driver.mrr(d, mr);
            return read.decode(r.run(read.program).reads);
          });
          expect(ids).toEqual([d.part.mr5, d.part.mr6, d.part.mr7, d.part.mr8]);
        }
      }
      const mmio = r.trace.events.filter((e) => e.kind === 'mmio.write' || e.kind === 'mmio.read');
      expect(mmio.filter((e) => 'register' in e && e.register === '?')).toEqual([]);
      expect(r.guestErrors()).toEqual([]);
      expect(r.trace.ofKind('dram.sr.exit').every((e) => e.poisonedPages === 0)).toBe(true);
      r.ctrl.checkInvariants();
      for (const die of r.dies.values())
        if ('checkInvariants' in die && typeof die.checkInvariants === 'function') die.checkInvariants();
    });
  }
});
