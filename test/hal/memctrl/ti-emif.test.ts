import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../hal/clock.js';
import { MR_COMMAND_GAP_NS } from '../../../hal/memctrl/mr-pacer.js';
import { decodeLisaMap } from '../../../hal/memctrl/ti-dmm.js';
import { TiEmif } from '../../../hal/memctrl/ti-emif.js';
import { TraceBus } from '../../../hal/trace/trace-bus.js';
import { pandaEmif } from './controller-configs.js';
import { FakeDie } from './fake-die.js';
import { rig } from './rig.js';

const EMIF1 = 0x4c000000;
const CONFIG = EMIF1 + 0x50;
const DATA = EMIF1 + 0x40;
const PWR_MGMT_CTRL = EMIF1 + 0x38;

describe('TI EMIF: LPDDR2_MODE_REG_CONFIG / DATA', () => {
  it('issues MRW MR17=0xF0 to CS0 when CONFIG=0x11 then DATA=0xF0 are written', () => {
    const r = rig<TiEmif>(pandaEmif(1));
    r.bus.write32(CONFIG, 0x00000011);
    expect(r.die('emif1.cs0').calls).toEqual([]);
    r.bus.write32(DATA, 0x000000f0);
    expect(r.writes()).toEqual(['LPDDR2_MODE_REG_CONFIG=0x00000011', 'LPDDR2_MODE_REG_DATA=0x000000f0']);
    expect(r.die('emif1.cs0').mrwCalls()).toEqual([{ mr: 17, value: 0xf0 }]);
    expect(r.die('emif1.cs1').calls).toEqual([]);
    expect(r.ctrl.blocks.emif!.get('LPDDR2_MODE_REG_CONFIG')).toBe(0x00000011);
    expect(r.ctrl.blocks.emif!.get('LPDDR2_MODE_REG_DATA')).toBe(0x000000f0);
    const mrw = r.trace.ofKind('dram.mrw');
    expect(mrw.map((e) => [e.die, e.mr, e.value])).toEqual([['emif1.cs0', 17, 0xf0]]);
    expect(r.trace.ofKind('mmio.write')[0]!.fields).toEqual({ CS: 0, REFRESH_EN: 0, ADDRESS: 17 });
  });

  it('routes CONFIG 0x80000011 (CS bit 31) to chip select 1', () => {
    const r = rig(pandaEmif(1));
    r.bus.write32(CONFIG, 0x80000011);
    r.bus.write32(DATA, 0xf0);
    expect(r.die('emif1.cs1').mrwCalls()).toEqual([{ mr: 17, value: 0xf0 }]);
    expect(r.die('emif1.cs0').calls).toEqual([]);
  });

  it('returns the MRR byte replicated on all four byte lanes', () => {
    const r = rig(pandaEmif(1), {}, () => ({ mrs: { 5: 0x03, 8: 0x14 } }));
    r.bus.write32(CONFIG, 0x00000005);
    expect(r.bus.read32(DATA)).toBe(0x03030303);
    r.bus.write32(CONFIG, 0x80000008);
    expect(r.bus.read32(DATA)).toBe(0x14141414);
    expect(r.die('emif1.cs1').calls).toEqual([expect.objectContaining({ op: 'mrr', mr: 8, value: 0x14 })]);
  });

  it('reads MR data at 0x48 on an OMAP4430 ES2.0 EMIF (es2DataAlias)', () => {
    const r = rig(pandaEmif(1), { 'ti-emif': { es2DataAlias: true } }, () => ({ mrs: { 6: 0x2a } }));
    r.bus.write32(CONFIG, 6);
    expect(r.bus.read32(EMIF1 + 0x48)).toBe(0x2a2a2a2a);
    expect(r.trace.ofKind('mmio.read').at(-1)!.register).toBe('LPDDR2_MODE_REG_DATA_ES2');
  });

  it('has no register at 0x48 without the ES2.0 option (an access is a guest error)', () => {
    const r = rig(pandaEmif(1));
    expect(r.bus.read32(EMIF1 + 0x48)).toBe(0);
    expect(r.guestErrors()).toEqual(['emif1: read of offset with no declared register 0x48']);
  });

  it('records REFRESH_EN when an MRW carries it (u-boot enables refresh with MR2)', () => {
    const r = rig<TiEmif>(pandaEmif(1));
    expect(r.ctrl.refreshEnabled).toBe(false);
    r.bus.write32(CONFIG, 0x40000002);
    r.bus.write32(DATA, 0x04);
    expect(r.ctrl.refreshEnabled).toBe(true);
    expect(r.die('emif1.cs0').mrwCalls()).toEqual([{ mr: 2, value: 4 }]);
  });

  it('reports an MRW to a chip select without a die as a guest error', () => {
    const config = pandaEmif(2);
    const oneCs = { ...config, dies: config.dies.slice(0, 1) };
    const r = rig(oneCs);
    r.bus.write32(0x4d000050, 0x80000011);
    r.bus.write32(0x4d000040, 0xf0);
    expect(r.guestErrors()).toEqual(['emif2: MRW MR17 on CS1: no die on that chip select']);
    expect(r.die('emif2.cs0').calls).toEqual([]);
  });

  it('keeps the MR command gap between two commands to the same die', () => {
    const r = rig(pandaEmif(1));
    for (const [mr, v] of [
      [16, 0],
      [17, 0xf0],
    ]) {
      r.bus.write32(CONFIG, mr!);
      r.bus.write32(DATA, v!);
    }
    const [a, b] = r.die('emif1.cs0').calls;
    expect(b!.tNs - a!.tNs).toBeGreaterThanOrEqual(MR_COMMAND_GAP_NS['LPDDR2-S4']);
  });
});

describe('TI EMIF: PWR_MGMT_CTRL self-refresh', () => {
  it('puts every die into self-refresh when LP_MODE becomes 2 and takes them out when it changes', () => {
    const r = rig<TiEmif>(pandaEmif(1));
    r.bus.write32(PWR_MGMT_CTRL, 0x0000f2ff);
    expect([...r.dies.values()].map((d) => d.inSelfRefresh)).toEqual([true, true]);
    expect(r.ctrl.inSelfRefresh).toBe(true);
    r.ctrl.checkInvariants();
    r.bus.write32(PWR_MGMT_CTRL, 0x0000f2ff); // no change: no second entry
    expect(r.trace.ofKind('dram.sr.enter')).toHaveLength(2);
    r.bus.write32(PWR_MGMT_CTRL, 0x0000f0ff);
    expect([...r.dies.values()].map((d) => d.inSelfRefresh)).toEqual([false, false]);
    expect(r.trace.ofKind('dram.sr.exit').map((e) => e.die)).toEqual(['emif1.cs0', 'emif1.cs1']);
    r.ctrl.checkInvariants();
  });

  it('catches a die moved behind its back (invariant b)', () => {
    const r = rig<TiEmif>(pandaEmif(1));
    r.die('emif1.cs0').enterSelfRefresh();
    expect(() => r.ctrl.checkInvariants()).toThrow(/invariant \(b\).*emif1\.cs0/);
  });
});

describe('TI EMIF: register image and construction errors', () => {
  it('loads the image through the backdoor without trace', () => {
    const r = rig(pandaEmif(1));
    expect(r.ctrl.blocks.emif!.get('SDRAM_CONFIG')).toBe(0x80001ab9);
    expect(r.ctrl.blocks.emif!.getField('SDRAM_CONFIG', 'EBANK')).toBe(1);
    expect(r.trace.events).toEqual([]);
  });

  it('names the controller and register for an unknown register', () => {
    const clock = new SimClock();
    const trace = new TraceBus(clock);
    const config = pandaEmif(1, { registers: { SDRAM_CONFIG: 1, SDRAM_CONFG: 2 } });
    const dies = config.dies.map((d) => new FakeDie(d.id, clock));
    expect(() => new TiEmif(config, dies, clock, trace)).toThrow(
      /^ti-emif emif1: unknown register SDRAM_CONFG in the register image/,
    );
  });

  it('refuses an image that starts in self-refresh and values that are not 32-bit', () => {
    const clock = new SimClock();
    const trace = new TraceBus(clock);
    const mk = (registers: Record<string, number>) => {
      const config = pandaEmif(1, { registers });
      return () =>
        new TiEmif(
          config,
          config.dies.map((d) => new FakeDie(d.id, clock)),
          clock,
          trace,
        );
    };
    expect(mk({ PWR_MGMT_CTRL: 0x200 })).toThrow(/PWR_MGMT_CTRL = 0x200 refused: LP_MODE = 2/);
    expect(mk({ SDRAM_CONFIG: 2 ** 32 })).toThrow(/SDRAM_CONFIG = 4294967296 is not a 32-bit unsigned value/);
    expect(mk({ SDRAM_CONFIG: -1 })).toThrow(/not a 32-bit/);
  });

  it('rejects missing, extra and foreign die ports', () => {
    const clock = new SimClock();
    const trace = new TraceBus(clock);
    const config = pandaEmif(1);
    const cs0 = new FakeDie('emif1.cs0', clock);
    const cs1 = new FakeDie('emif1.cs1', clock);
    expect(() => new TiEmif(config, [cs0], clock, trace)).toThrow(
      'ti-emif emif1: no die port for configured die emif1.cs1',
    );
    expect(() => new TiEmif(config, [cs0, cs1, new FakeDie('emif2.cs0', clock)], clock, trace)).toThrow(
      /die port\(s\) emif2\.cs0 not in the controller's config/,
    );
    expect(() => new TiEmif(config, [cs0, cs0, cs1], clock, trace)).toThrow(/given twice/);
    expect(
      () => new TiEmif({ ...config, blocks: { perf: { base: 0, registers: {} } } }, [cs0, cs1], clock, trace),
    ).toThrow(/unknown block perf/);
    expect(() => new TiEmif({ ...config, kind: 'fsl-mmdc' }, [cs0, cs1], clock, trace)).toThrow(
      /config kind is fsl-mmdc/,
    );
  });
});

describe('OMAP DMM LISA map', () => {
  it('decodes the PandaBoard LISA_MAP_3 = 0x80640300 (1 GiB at 0x80000000, 128-byte interleave, both EMIFs)', () => {
    expect(decodeLisaMap('LISA_MAP_3', 0x80640300)).toEqual({
      register: 'LISA_MAP_3',
      raw: 0x80640300,
      mapped: true,
      sysAddr: 0x80000000,
      sysSizeBytes: 1 << 30,
      interleaveBytes: 128,
      addrSpace: 0,
      emifs: 3,
      sdrcAddr: 0,
    });
  });

  it('is mapped with EMIF1 at 0x4E000000, LISA_MAP_0 at 0x4E000040', () => {
    const r = rig<TiEmif>(pandaEmif(1));
    expect(r.bus.read32(0x4e00004c)).toBe(0x80640300);
    expect(r.trace.ofKind('mmio.read')[0]).toMatchObject({ block: 'emif1.dmm', register: 'LISA_MAP_3' });
    expect(r.ctrl.dmm!.lisaMaps().map((m) => m.mapped)).toEqual([false, false, false, true]);
  });

  it('rejects a DMM base that is really the address of LISA_MAP_0', () => {
    expect(() => rig(pandaEmif(1, { blocks: { dmm: { base: 0x4e000040, registers: {} } } }))).toThrow(
      /looks like the address of LISA_MAP_0/,
    );
  });

  it('names the block for an unknown DMM register', () => {
    expect(() => rig(pandaEmif(1, { blocks: { dmm: { base: 0x4e000000, registers: { LISA_MAP_4: 1 } } } }))).toThrow(
      /emif1\.dmm: unknown register LISA_MAP_4/,
    );
  });
});
