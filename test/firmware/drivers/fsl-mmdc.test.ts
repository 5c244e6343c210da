import { describe, expect, it } from 'vitest';
import { FslMmdcDriver } from '../../../firmware/drivers/fsl-mmdc.js';
import { runProgram } from '../../../hal/register-program.js';
import { imx6slMmdc } from '../../hal/memctrl/controller-configs.js';
import { driverRig } from './driver-rig.js';

const S4 = { standard: 'LPDDR2-S4' } as const;
const MDSCR = 0x021b001c;

describe('i.MX6 MMDC driver: MRW through MDSCR', () => {
  it('writes MR17=0xF0 on CS0 as MDSCR CON_REQ, wait CON_ACK, 0xF0118030, MDSCR 0 — with the CON_REQ hazard', () => {
    const r = driverRig<FslMmdcDriver>(imx6slMmdc(), S4);
    const p = r.driver.mrw('mmdc.cs0', 17, 0xf0);
    expect(p.ops).toEqual([
      { op: 'write', address: MDSCR, value: 0x00008000, note: 'CON_REQ (MMDC stops serving AXI)' },
      {
        op: 'poll',
        address: MDSCR,
        mask: 0x4000,
        expect: 0x4000,
        timeoutNs: 1_000_000,
        intervalNs: 1_000,
        note: 'wait for CON_ACK',
      },
      { op: 'write', address: MDSCR, value: 0xf0118030, note: 'MRW MR17=0xf0 -> mmdc.cs0' },
      { op: 'write', address: MDSCR, value: 0x00000000, note: 'MDSCR = 0: end of configuration' },
    ]);
    expect(p.hazards).toEqual([
      { code: 'mmdc-con-req-stall', message: 'CON_REQ stalls AXI; a U-Boot running from this DRAM hangs' },
    ]);
    r.run(p);
    expect(r.writes()).toEqual(['MDSCR=0x00008000', 'MDSCR=0xf0118030', 'MDSCR=0x00000000']);
    expect(r.trace.ofKind('mmio.read').length).toBeGreaterThan(1); // polled until CON_ACK rose
    expect(r.mrws()).toEqual(['mmdc.cs0 MR17=0xf0']);
    expect(r.guestErrors()).toEqual([]);
  });

  it('uses MDSCR 0xF0118038 for CS1', () => {
    const r = driverRig(imx6slMmdc(), S4);
    r.run(r.driver.mrw('mmdc.cs1', 17, 0xf0));
    expect(r.writes()).toEqual(['MDSCR=0x00008000', 'MDSCR=0xf0118038', 'MDSCR=0x00000000']);
    expect(r.mrws()).toEqual(['mmdc.cs1 MR17=0xf0']);
  });

  it('stops with a poll timeout, not a hang, when CON_ACK never comes', () => {
    const r = driverRig(imx6slMmdc(), { ...S4, model: { 'fsl-mmdc': { conAckDelayNs: 5_000_000 } } });
    const res = runProgram(r.driver.mrw('mmdc.cs0', 17, 0xf0), r.bus, r.clock);
    expect(res).toMatchObject({ ok: false, applied: 1, failedAt: 1 });
    expect(res.ok ? '' : res.reason).toBe(
      'poll of 0x21b001c timed out after 1000000 ns (last 0x8000, wanted 0x4000 under mask 0x4000)',
    );
    expect(r.mrws()).toEqual([]);
  });
});

describe('i.MX6 MMDC driver: MRR', () => {
  it('reads MR8 with CMD 6, waits for MRR_READ_DATA_VALID and decodes MDMRR byte lane 0', () => {
    const r = driverRig(imx6slMmdc(), { ...S4, realDies: true });
    const read = r.driver.mrr('mmdc.cs1', 8);
    expect(read.program.hazards.map((h) => h.code)).toEqual(['mmdc-con-req-stall']);
    expect(read.decode(r.run(read.program).reads)).toBe(0x18);
    expect(r.writes()).toEqual(['MDSCR=0x00008000', 'MDSCR=0x00088068', 'MDSCR=0x00000000']);
    expect(r.guestErrors()).toEqual([]);
  });
});

describe('i.MX6 MMDC driver: DRAM init (u-boot mx6_lpddr2_cfg / mx6slevk DCD)', () => {
  it('issues the DCD MRW words per chip select inside one CON_REQ window, then clears MR16/MR17', () => {
    const r = driverRig(imx6slMmdc(), { ...S4, realDies: true });
    const p = r.driver.dramInit();
    expect(p.hazards.map((h) => h.code)).toEqual(['mmdc-con-req-stall', 'dram-init-live']);
    r.run(p);
    expect(r.writes()).toEqual([
      'MDSCR=0x00008000',
      'MDSCR=0x003f8030',
      'MDSCR=0xff0a8030',
      'MDSCR=0x82018030',
      'MDSCR=0x04028030',
      'MDSCR=0x02038030',
      'MDSCR=0x00108030',
      'MDSCR=0x00118030',
      'MDSCR=0x003f8038',
      'MDSCR=0xff0a8038',
      'MDSCR=0x82018038',
      'MDSCR=0x04028038',
      'MDSCR=0x02038038',
      'MDSCR=0x00108038',
      'MDSCR=0x00118038',
      'MDSCR=0x00000000',
    ]);
    expect(r.guestErrors()).toEqual([]);
    r.ctrl.checkInvariants();
  });

  it('takes board MR values from the options', () => {
    const d = new FslMmdcDriver(imx6slMmdc(), 'LPDDR2-S4');
    const words = d.dramInit({ mr1: 0xc2, reset: false }).ops.flatMap((o) => (o.op === 'write' ? [o.value] : []));
    expect(words.slice(1, 3)).toEqual([0xff0a8030, 0xc2018030]);
    expect(() => d.dramInit({ mr2: 300 })).toThrow('fsl-mmdc mmdc: MR2 value 300 is not a byte (0..255)');
  });
});

describe('i.MX6 MMDC driver: self-refresh (Linux suspend-imx6.S)', () => {
  it('sets PSD then DVFS over the boot MAPSR, waits for DVACK, and undoes it on exit', () => {
    const r = driverRig(imx6slMmdc(), S4);
    const enter = r.driver.selfRefreshEnter();
    expect(enter.hazards.map((h) => h.code)).toEqual(['dram-self-refresh-live']);
    r.run(enter);
    expect(r.writes()).toEqual(['MAPSR=0x00011007', 'MAPSR=0x00211007']);
    expect([...r.dies.values()].every((d) => d.inSelfRefresh)).toBe(true);
    r.run(r.driver.selfRefreshExit());
    expect(r.writes(0).slice(2)).toEqual(['MAPSR=0x00011007', 'MAPSR=0x00011006']);
    expect([...r.dies.values()].some((d) => d.inSelfRefresh)).toBe(false);
    r.ctrl.checkInvariants();
  });
});
