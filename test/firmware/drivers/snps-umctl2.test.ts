import { describe, expect, it } from 'vitest';
import { SnpsUmctl2Driver } from '../../../firmware/drivers/snps-umctl2.js';
import { imx8mmDdrc } from '../../hal/memctrl/controller-configs.js';
import { driverRig } from './driver-rig.js';

const L4 = { standard: 'LPDDR4' } as const;

describe('uMCTL2 driver: MRW (u-boot lpddr4_mr_write)', () => {
  it('is the i.MX8MM example: after MRSTAT reads 0, 0x3d400010 0x10; 0x3d400014 0x11f0; 0x3d400010 0x80000010', () => {
    const r = driverRig<SnpsUmctl2Driver>(imx8mmDdrc(), L4);
    const p = r.driver.mrw('ddrc.rank0.cha', 17, 0xf0);
    expect(
      p.ops.map((op) =>
        op.op === 'write'
          ? `mw.l 0x${op.address.toString(16)} 0x${op.value.toString(16)}`
          : `${op.op} 0x${op.op === 'delay' ? 0 : op.address.toString(16)}`,
      ),
    ).toEqual(['poll 0x3d400018', 'mw.l 0x3d400010 0x10', 'mw.l 0x3d400014 0x11f0', 'mw.l 0x3d400010 0x80000010']);
    expect(p.ops[0]).toMatchObject({ op: 'poll', mask: 1, expect: 0 });
    r.run(p);
    expect(r.trace.ofKind('mmio.read').map((e) => [e.register, e.value])).toEqual([['MRSTAT', 0]]);
    expect(r.writes()).toEqual(['MRCTRL0=0x00000010', 'MRCTRL1=0x000011f0', 'MRCTRL0=0x80000010']);
    expect(r.mrws()).toEqual(['ddrc.rank0.cha MR17=0xf0', 'ddrc.rank0.chb MR17=0xf0']);
  });

  it('knows one MRW reaches both channels of the rank', () => {
    const d = new SnpsUmctl2Driver(imx8mmDdrc({ ranks: 2 }), 'LPDDR4');
    expect(d.mrwReach('ddrc.rank1.chb').map((x) => x.id)).toEqual(['ddrc.rank1.cha', 'ddrc.rank1.chb']);
    expect(d.mrw('ddrc.rank1.chb', 16, 1).ops[1]).toMatchObject({ value: 0x20 });
  });

  it('waits out MRSTAT.MR_WR_BUSY between back-to-back MRWs, so no guest error', () => {
    const r = driverRig(imx8mmDdrc(), { ...L4, realDies: true });
    r.run(r.driver.pasrMasks('ddrc.rank0.cha', 0x0f, 0xf0));
    expect(r.mrws()).toEqual([
      'ddrc.rank0.cha MR16=0x0f',
      'ddrc.rank0.chb MR16=0x0f',
      'ddrc.rank0.cha MR17=0xf0',
      'ddrc.rank0.chb MR17=0xf0',
    ]);
    expect(r.clock.nowNs).toBeGreaterThanOrEqual(2000);
    expect(r.guestErrors()).toEqual([]);
  });
});

describe('uMCTL2 driver: MRR through the perf monitor (u-boot lpddr4_mr_read)', () => {
  it('arms MRR0_DAT, triggers an MRR, waits for bit 3, reads MRR1_DAT, clears, and decodes the first non-zero byte', () => {
    const r = driverRig(imx8mmDdrc(), { ...L4, realDies: true });
    const read = r.driver.mrr('ddrc.rank0.cha', 5);
    const res = r.run(read.program);
    expect(read.decode(res.reads)).toBe(0xff);
    expect(r.writes()).toEqual([
      'MRR0_DAT=0x00000001',
      'MRCTRL0=0x00000011',
      'MRCTRL1=0x00000500',
      'MRCTRL0=0x80000011',
      'MRR0_DAT=0x00000004',
    ]);
    expect(res.reads['ddrc.rank0.cha.MR5']).toBe(0xffff);
    expect(read.decode({ 'ddrc.rank0.cha.MR5': 0x00001100 })).toBe(0x11);
    expect(read.decode({ 'ddrc.rank0.cha.MR5': 0 })).toBe(0);
    expect(r.guestErrors()).toEqual([]);
  });

  it('has no MRR without the perf block', () => {
    const d = new SnpsUmctl2Driver(imx8mmDdrc({ perf: false }), 'LPDDR4');
    expect(d.canMrr).toBe(false);
    expect(() => d.mrr('ddrc.rank0.cha', 5)).toThrow(
      'snps-umctl2 ddrc: MRR needs the perf monitor block (blocks.perf, i.MX8M DRC_PERF_MON at 0x3d800000)',
    );
  });
});

describe('uMCTL2 driver: self-refresh (PWRCTL.SELFREF_SW)', () => {
  it('sets SELFREF_SW, waits for STAT = self-refresh by software, and comes back to normal', () => {
    const r = driverRig(imx8mmDdrc(), L4);
    const enter = r.driver.selfRefreshEnter();
    expect(enter.ops[1]).toMatchObject({ op: 'poll', address: 0x3d400004, mask: 0x37, expect: 0x23 });
    r.run(enter);
    expect([...r.dies.values()].every((d) => d.inSelfRefresh)).toBe(true);
    r.run(r.driver.selfRefreshExit());
    expect(r.writes()).toEqual(['PWRCTL=0x00000020', 'PWRCTL=0x00000000']);
    expect(r.bus.read32(0x3d400004)).toBe(1);
    r.ctrl.checkInvariants();
  });
});

describe('uMCTL2 driver: DRAM init', () => {
  it('writes MR63, MR1/MR2/MR3 from INIT3/INIT4 and clears MR16/MR17 per rank, with no guest error on LPDDR4 dies', () => {
    const r = driverRig(imx8mmDdrc({ ranks: 2 }), { ...L4, realDies: true });
    const p = r.driver.dramInit();
    expect(p.hazards.map((h) => h.code)).toEqual(['dram-init-live']);
    r.run(p);
    const rank = (n: number) => [`ddrc.rank${n}.cha`, `ddrc.rank${n}.chb`];
    const both = (n: number, mr: string) => rank(n).map((id) => `${id} ${mr}`);
    expect(r.mrws()).toEqual([
      ...both(0, 'MR63=0x00'),
      ...both(0, 'MR1=0xd4'),
      ...both(0, 'MR2=0x2d'),
      ...both(0, 'MR3=0x31'),
      ...both(0, 'MR16=0x00'),
      ...both(0, 'MR17=0x00'),
      ...both(1, 'MR63=0x00'),
      ...both(1, 'MR1=0xd4'),
      ...both(1, 'MR2=0x2d'),
      ...both(1, 'MR3=0x31'),
      ...both(1, 'MR16=0x00'),
      ...both(1, 'MR17=0x00'),
    ]);
    expect(r.guestErrors()).toEqual([]);
  });

  it('falls back to the i.MX8M LPDDR4 values without INIT3/INIT4 and honours explicit values', () => {
    const d = new SnpsUmctl2Driver(imx8mmDdrc({ registers: { MSTR: 0xa1080020 } }), 'LPDDR4');
    expect(d.initDefaults()).toEqual({ mr1: 0xd4, mr2: 0x2d, mr3: 0x31 });
    const mrctrl1 = d
      .dramInit({ reset: false, mr2: 0x1b })
      .ops.flatMap((o) => (o.op === 'write' && o.address === 0x3d400014 ? [o.value] : []));
    expect(mrctrl1).toEqual([0x01d4, 0x021b, 0x0331, 0x1000, 0x1100]);
  });
});
