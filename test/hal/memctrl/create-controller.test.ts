import { describe, expect, it } from 'vitest';
import type { ControllerConfig } from '../../../hal/board/board-config.js';
import { SimClock } from '../../../hal/clock.js';
import { controllerDecls, createController, registerImageProblems } from '../../../hal/memctrl/create-controller.js';
import { mapController } from '../../../hal/memctrl/memory-controller.js';
import { MmioBus } from '../../../hal/mmio-bus.js';
import { TraceBus } from '../../../hal/trace/trace-bus.js';
import { FakeDie } from './fake-die.js';
import { imx6slMmdc, imx8mmDdrc, pandaEmif, snowballPrcmu } from './controller-configs.js';

describe('createController / registerImageProblems', () => {
  it('builds every kind from a board-shaped config and maps all their windows on one bus', () => {
    const clock = new SimClock();
    const trace = new TraceBus(clock);
    const bus = new MmioBus();
    for (const config of [pandaEmif(1), pandaEmif(2), imx6slMmdc(), imx8mmDdrc(), snowballPrcmu()]) {
      const c = createController(
        config,
        config.dies.map((d) => new FakeDie(d.id, clock)),
        clock,
        trace,
        {},
      );
      expect(c.kind).toBe(config.kind);
      expect(c.dies.map((d) => d.id)).toEqual(config.dies.map((d) => d.id));
      mapController(bus, c);
      c.checkInvariants();
    }
    expect(bus.devices.map((d) => `${d.device.name}@0x${d.base.toString(16)}`)).toEqual([
      'mmdc@0x21b0000',
      'ddrc@0x3d400000',
      'ddrc.perf@0x3d800000',
      'emif1@0x4c000000',
      'emif2@0x4d000000',
      'emif1.dmm@0x4e000000',
      'prcmu@0x80157000',
      'prcmu.tcdm@0x801b8000',
    ]);
    expect(() => createController(pandaEmif(1), [], clock, trace)).toThrow(
      'ti-emif emif1: no die port for configured die emif1.cs0',
    );
  });

  it('lists every image problem at once, without building the model', () => {
    const config = pandaEmif(1, {
      registers: { SDRAM_CONFIG: 0x80001ab9, SDRAM_CONFG: 1, PWR_MGMT_CTRL: 0x200, ZQ_CONFIG: 1.5 },
      blocks: { dmm: { base: 0x4e000000, registers: { LISA_MAP_9: 0 } }, perf: { base: 0, registers: {} } },
    });
    const problems = registerImageProblems(config).map((p) => p.replace(/ \(known: .*\)$/, ''));
    expect(problems).toEqual([
      'ti-emif emif1: unknown register SDRAM_CONFG in the register image',
      'ti-emif emif1: register PWR_MGMT_CTRL = 0x200 refused: LP_MODE = 2 would start the EMIF in self-refresh; self-refresh is entered by writing PWR_MGMT_CTRL',
      'ti-emif emif1: register ZQ_CONFIG = 1.5 is not a 32-bit unsigned value',
      'ti-emif emif1 block dmm: unknown register LISA_MAP_9 in the register image',
      'ti-emif emif1: unknown block perf (this controller knows dmm)',
    ]);
    expect(registerImageProblems(snowballPrcmu({}))).toEqual(['ste-prcmu prcmu: needs blocks.tcdm']);
    for (const ok of [pandaEmif(1), pandaEmif(2), imx6slMmdc(), imx8mmDdrc(), snowballPrcmu()])
      expect(registerImageProblems(ok)).toEqual([]);
  });

  it('rejects timing options that are not finite non-negative times', () => {
    const clock = new SimClock();
    const trace = new TraceBus(clock);
    const mk = (config: ControllerConfig, options: Parameters<typeof createController>[4]) => () =>
      createController(
        config,
        config.dies.map((d) => new FakeDie(d.id, clock)),
        clock,
        trace,
        options,
      );
    expect(mk(imx6slMmdc(), { 'fsl-mmdc': { conAckDelayNs: -1 } })).toThrow(
      'fsl-mmdc mmdc: option conAckDelayNs = -1 is not a finite non-negative time in ns',
    );
    expect(mk(imx8mmDdrc(), { 'snps-umctl2': { mrBusyNs: Number.NaN } })).toThrow(/option mrBusyNs = NaN/);
    expect(mk(snowballPrcmu(), { 'ste-prcmu': { firmwareLatencyNs: Infinity } })).toThrow(
      /option firmwareLatencyNs = Infinity/,
    );
    expect(mk(pandaEmif(1), { 'ti-emif': { mrGapNs: -5 } })).toThrow('mrGapNs -5 is not a finite non-negative time');
  });

  it('names an unknown controller kind', () => {
    const clock = new SimClock();
    const bogus = { ...pandaEmif(1), kind: 'arm-dmc' } as unknown as ControllerConfig;
    expect(() => createController(bogus, [], clock, new TraceBus(clock))).toThrow(
      'controller emif1: unknown controller kind "arm-dmc" (known: ti-emif, fsl-mmdc, snps-umctl2, ste-prcmu)',
    );
    expect(() => controllerDecls('arm-dmc' as never)).toThrow(/unknown controller kind "arm-dmc"/);
  });

  it('declares the register names a board image may use, per kind', () => {
    expect(controllerDecls('ti-emif').main.registers.map((r) => r.name)).toContain('LPDDR2_MODE_REG_CONFIG');
    expect(
      controllerDecls('ti-emif', { 'ti-emif': { es2DataAlias: true } }).main.registers.map((r) => r.name),
    ).toContain('LPDDR2_MODE_REG_DATA_ES2');
    expect(Object.keys(controllerDecls('snps-umctl2').blocks)).toEqual(['perf']);
    expect(controllerDecls('ste-prcmu').blocks.tcdm!.decl.registers.map((r) => r.name)).toContain('PRCM_REQ_MB0');
  });
});
