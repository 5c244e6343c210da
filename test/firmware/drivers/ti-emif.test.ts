import { describe, expect, it } from 'vitest';
import { TiEmifDriver } from '../../../firmware/drivers/ti-emif.js';
import { part, pandaEmif } from '../../hal/memctrl/controller-configs.js';
import { driverRig } from './driver-rig.js';

const S4 = { standard: 'LPDDR2-S4' } as const;

describe('TI EMIF driver: MRW', () => {
  it('writes MR17=0xF0 to emif1.cs0 as CONFIG 0x00000011 then DATA 0x000000F0, as u-boot set_mr does', () => {
    const r = driverRig<TiEmifDriver>(pandaEmif(1), S4);
    const p = r.driver.mrw('emif1.cs0', 17, 0xf0);
    expect(p.ops.map((op) => (op.op === 'write' ? [op.address, op.value] : op.op))).toEqual([
      [0x4c000050, 0x00000011],
      [0x4c000040, 0x000000f0],
    ]);
    expect(p.hazards).toEqual([]);
    r.run(p);
    expect(r.writes()).toEqual(['LPDDR2_MODE_REG_CONFIG=0x00000011', 'LPDDR2_MODE_REG_DATA=0x000000f0']);
    expect(r.ctrl.blocks.emif!.get('LPDDR2_MODE_REG_CONFIG')).toBe(0x00000011);
    expect(r.ctrl.blocks.emif!.get('LPDDR2_MODE_REG_DATA')).toBe(0x000000f0);
    expect(r.mrws()).toEqual(['emif1.cs0 MR17=0xf0']);
  });

  it('uses CONFIG 0x80000011 for CS1 and the EMIF2 base for emif2', () => {
    const r1 = driverRig(pandaEmif(1), S4);
    r1.run(r1.driver.mrw('emif1.cs1', 17, 0xf0));
    expect(r1.writes()).toEqual(['LPDDR2_MODE_REG_CONFIG=0x80000011', 'LPDDR2_MODE_REG_DATA=0x000000f0']);
    const r2 = driverRig(pandaEmif(2), S4);
    const p = r2.driver.mrw('emif2.cs0', 17, 0xf0);
    expect(p.ops.map((op) => (op.op === 'write' ? op.address : 0))).toEqual([0x4d000050, 0x4d000040]);
  });

  it('sets both PASR masks of a die with one program (MR16 then MR17)', () => {
    const r = driverRig(pandaEmif(1), { ...S4, realDies: true });
    r.clock.advance(20_000);
    r.run(r.driver.pasrMasks('emif1.cs1', 0x00, 0xf0));
    expect(r.writes()).toEqual([
      'LPDDR2_MODE_REG_CONFIG=0x80000010',
      'LPDDR2_MODE_REG_DATA=0x00000000',
      'LPDDR2_MODE_REG_CONFIG=0x80000011',
      'LPDDR2_MODE_REG_DATA=0x000000f0',
    ]);
    expect(r.mrws()).toEqual(['emif1.cs1 MR16=0x00', 'emif1.cs1 MR17=0xf0']);
    expect(r.guestErrors()).toEqual([]);
  });

  it('refuses masks a part cannot hold, non-byte values and foreign dies', () => {
    const small = pandaEmif(1);
    const cfg = { ...small, dies: small.dies.map((d) => ({ ...d, part: part('lpddr2-512m', 512, 32, 3, 0x0c) })) };
    const d = new TiEmifDriver(cfg, 'LPDDR2-S4');
    expect(() => d.pasrMasks('emif1.cs0', 0, 1)).toThrow(
      'ti-emif emif1: emif1.cs0 (LPDDR2-S4, 512 Mbit) has no segment-mask MR; segment mask 0x01 cannot be set',
    );
    expect(d.pasrMasks('emif1.cs0', 0x80, 0).ops).toHaveLength(2);
    expect(() => d.mrw('emif1.cs0', 17, 0x100)).toThrow('ti-emif emif1: MR value 256 is not a byte (0..255)');
    expect(() => d.mrw('emif2.cs0', 17, 0)).toThrow(
      'ti-emif emif1: no die emif2.cs0 on this controller (dies: emif1.cs0, emif1.cs1)',
    );
    expect(() => new TiEmifDriver(cfg, 'LPDDR2-S2').pasrMasks('emif1.cs0', 0, 0xf0)).toThrow(
      /LPDDR2-S2.*has no segment-mask MR/,
    );
  });
});

describe('TI EMIF driver: MRR', () => {
  it('reads MR5..MR8 back through CONFIG/DATA; the program decodes the replicated byte', () => {
    const r = driverRig(pandaEmif(1), { ...S4, realDies: true });
    r.clock.advance(20_000);
    const ids: number[] = [];
    for (const mr of [5, 6, 7, 8]) {
      const read = r.driver.mrr('emif1.cs1', mr);
      ids.push(read.decode(r.run(read.program).reads));
    }
    expect(ids).toEqual([0x03, 0x00, 0x00, 0x14]);
    expect(r.trace.ofKind('mmio.read').map((e) => [e.register, e.value])).toEqual([
      ['LPDDR2_MODE_REG_DATA', 0x03030303],
      ['LPDDR2_MODE_REG_DATA', 0],
      ['LPDDR2_MODE_REG_DATA', 0],
      ['LPDDR2_MODE_REG_DATA', 0x14141414],
    ]);
    expect(r.guestErrors()).toEqual([]);
  });

  it('rejects a word whose byte lanes differ, as u-boot does', () => {
    const d = new TiEmifDriver(pandaEmif(1), 'LPDDR2-S4');
    const read = d.mrr('emif1.cs0', 8);
    expect(() => read.decode({ 'emif1.cs0.MR8': 0x14141415 })).toThrow(
      'ti-emif emif1: MRR MR8 of emif1.cs0 read 0x14141415: the byte lanes differ (u-boot treats this as no SDRAM on CS0)',
    );
    expect(() => read.decode({})).toThrow(/reads have no emif1.cs0.MR8/);
  });

  it('reads at LPDDR2_MODE_REG_DATA_ES2 (0x48) on OMAP4430 ES2.0', () => {
    const r = driverRig(pandaEmif(1), {
      ...S4,
      model: { 'ti-emif': { es2DataAlias: true } },
      driver: { 'ti-emif': { es2DataAlias: true } },
      fakeDie: () => ({ mrs: { 5: 3 } }),
    });
    const read = r.driver.mrr('emif1.cs0', 5);
    expect(read.program.ops[1]).toMatchObject({ op: 'read', address: 0x4c000048 });
    expect(read.decode(r.run(read.program).reads)).toBe(3);
  });
});

describe('TI EMIF driver: self-refresh', () => {
  it('sets PWR_MGMT_CTRL.LP_MODE = 2 over the boot image value and restores it', () => {
    const r = driverRig(pandaEmif(1), S4);
    r.run(r.driver.selfRefreshEnter());
    expect(r.writes()).toEqual(['PWR_MGMT_CTRL=0x0000f2ff']);
    expect([...r.dies.values()].every((d) => d.inSelfRefresh)).toBe(true);
    r.run(r.driver.selfRefreshExit());
    expect(r.writes(1)).toEqual(['PWR_MGMT_CTRL=0x0000f0ff']);
    expect([...r.dies.values()].some((d) => d.inSelfRefresh)).toBe(false);
    r.ctrl.checkInvariants();
  });
});

describe('TI EMIF driver: DRAM init (u-boot lpddr2_init)', () => {
  it('polls MR0.DAI, then MR10 = 0xFF, MR1, MR16/MR17 = 0, MR2 with REFRESH_EN and MR3 on both chip selects', () => {
    const r = driverRig(pandaEmif(1), { ...S4, realDies: true });
    const p = r.driver.dramInit();
    expect(p.hazards.map((h) => h.code)).toEqual(['dram-init-live']);
    const res = r.run(p);
    expect(res.applied).toBe(p.ops.length);
    expect(r.clock.nowNs).toBeGreaterThanOrEqual(10_000); // waited for DAI (tDAI 10 us after power-up)
    expect(r.trace.ofKind('dram.mrr').filter((e) => e.mr === 0).length).toBeGreaterThan(2);
    expect(r.mrws()).toEqual([
      'emif1.cs0 MR10=0xff',
      'emif1.cs1 MR10=0xff',
      'emif1.cs0 MR1=0xc3',
      'emif1.cs0 MR16=0x00',
      'emif1.cs0 MR17=0x00',
      'emif1.cs0 MR2=0x04',
      'emif1.cs0 MR3=0x02',
      'emif1.cs1 MR1=0xc3',
      'emif1.cs1 MR16=0x00',
      'emif1.cs1 MR17=0x00',
      'emif1.cs1 MR2=0x04',
      'emif1.cs1 MR3=0x02',
    ]);
    expect(r.writes().filter((w) => w.startsWith('LPDDR2_MODE_REG_CONFIG=0x4'))).toEqual([
      'LPDDR2_MODE_REG_CONFIG=0x40000002',
    ]);
    expect(r.writes()).toContain('LPDDR2_MODE_REG_CONFIG=0xc0000002');
    expect(r.guestErrors()).toEqual([]);
    r.ctrl.checkInvariants();
  });

  it('fails with a clear reason when MR0.DAI never clears', () => {
    const r = driverRig(pandaEmif(1), { ...S4, fakeDie: () => ({ daiUntilNs: Infinity }) });
    expect(() => r.run(r.driver.dramInit())).toThrow(
      /emif1: DRAM init failed at op 1: poll of 0x4c000040 timed out after 1000000 ns/,
    );
  });
});
