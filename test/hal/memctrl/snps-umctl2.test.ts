import { describe, expect, it } from 'vitest';
import type { SnpsUmctl2 } from '../../../hal/memctrl/snps-umctl2.js';
import { imx8mmDdrc } from './controller-configs.js';
import { rig } from './rig.js';

const DDRC = 0x3d400000;
const STAT = DDRC + 0x04;
const MRCTRL0 = DDRC + 0x10;
const MRCTRL1 = DDRC + 0x14;
const MRSTAT = DDRC + 0x18;
const PWRCTL = DDRC + 0x30;
const MRR0_DAT = 0x3d800040;
const MRR1_DAT = 0x3d800044;

describe('uMCTL2: MRCTRL0 / MRCTRL1 / MRSTAT', () => {
  it('runs the i.MX8MM example MR17=0xF0 (0x10, 0x11f0, 0x80000010) and reaches both channels of rank 0', () => {
    const r = rig<SnpsUmctl2>(imx8mmDdrc());
    expect(r.bus.read32(MRSTAT)).toBe(0);
    r.bus.write32(MRCTRL0, 0x00000010);
    r.bus.write32(MRCTRL1, 0x000011f0);
    r.bus.write32(MRCTRL0, 0x80000010);
    expect(r.writes()).toEqual(['MRCTRL0=0x00000010', 'MRCTRL1=0x000011f0', 'MRCTRL0=0x80000010']);
    expect(r.die('ddrc.rank0.cha').mrwCalls()).toEqual([{ mr: 17, value: 0xf0 }]);
    expect(r.die('ddrc.rank0.chb').mrwCalls()).toEqual([{ mr: 17, value: 0xf0 }]);
    expect(r.bus.read32(MRSTAT)).toBe(1);
    expect(r.bus.read32(MRCTRL0)).toBe(0x00000010); // MR_WR self-clears
    r.ctrl.checkInvariants();
    r.clock.advance(1999);
    expect(r.bus.read32(MRSTAT)).toBe(1);
    r.clock.advance(1);
    expect(r.bus.read32(MRSTAT)).toBe(0);
    r.ctrl.checkInvariants();
  });

  it('drops a trigger while MR_WR_BUSY and reports writes to MRCTRL0/1 while busy', () => {
    const r = rig(imx8mmDdrc());
    r.bus.write32(MRCTRL1, 0x000011f0);
    r.bus.write32(MRCTRL0, 0x80000010);
    r.bus.write32(MRCTRL1, 0x00001000);
    r.bus.write32(MRCTRL0, 0x80000010);
    expect(r.die('ddrc.rank0.cha').mrwCalls()).toEqual([{ mr: 17, value: 0xf0 }]);
    expect(r.guestErrors()).toEqual([
      'ddrc: MRCTRL1 written while MRSTAT.MR_WR_BUSY = 1 (no writes to MRCTRL0/MRCTRL1 while busy)',
      'ddrc: MRCTRL0.MR_WR set while MRSTAT.MR_WR_BUSY = 1; MR command dropped',
    ]);
  });

  it('sends an MRW only to the ranks in MR_RANK', () => {
    const r = rig(imx8mmDdrc({ ranks: 2 }));
    r.bus.write32(MRCTRL1, 0x00001055);
    r.bus.write32(MRCTRL0, 0x80000020);
    expect(r.die('ddrc.rank1.cha').mrwCalls()).toEqual([{ mr: 16, value: 0x55 }]);
    expect(r.die('ddrc.rank1.chb').mrwCalls()).toEqual([{ mr: 16, value: 0x55 }]);
    expect(r.die('ddrc.rank0.cha').calls).toEqual([]);
    r.clock.advance(2000);
    r.bus.write32(MRCTRL0, 0x800000f0);
    expect([...r.dies.values()].map((d) => d.mrwCalls().length)).toEqual([1, 1, 2, 2]);
  });

  it('reports an MR_RANK that selects no populated rank', () => {
    const r = rig(imx8mmDdrc());
    r.bus.write32(MRCTRL1, 0x00001100);
    r.bus.write32(MRCTRL0, 0x80000040);
    expect(r.guestErrors()).toEqual(['ddrc: MRW MR17: MR_RANK 0x4 selects no populated rank']);
  });
});

describe('uMCTL2: MRR through the i.MX8M perf monitor', () => {
  it('delivers the MR byte of each channel in MRR1_DAT (lane = channel) with MRR0_DAT bit 3 when armed', () => {
    const r = rig(imx8mmDdrc(), {}, (id) => ({ standard: 'LPDDR4', mrs: { 8: id.endsWith('cha') ? 0x10 : 0x11 } }));
    r.bus.write32(MRR0_DAT, 0x1);
    r.bus.write32(MRCTRL0, 0x000000f1);
    r.bus.write32(MRCTRL1, 0x00000800);
    r.bus.write32(MRCTRL0, 0x800000f1);
    expect(r.bus.read32(MRR0_DAT) & 0x8).toBe(0);
    r.clock.advance(2000);
    expect(r.bus.read32(MRR0_DAT) & 0x8).toBe(0x8);
    expect(r.bus.read32(MRR1_DAT)).toBe(0x00001110);
    r.bus.write32(MRR0_DAT, 0x4);
    expect(r.bus.read32(MRR0_DAT)).toBe(0);
    expect(r.bus.read32(MRR1_DAT)).toBe(0);
  });

  it('loses the data with a guest error when MRR0_DAT was not armed, or when there is no perf block', () => {
    const r = rig(imx8mmDdrc());
    r.bus.write32(MRCTRL1, 0x00000500);
    r.bus.write32(MRCTRL0, 0x80000011);
    r.clock.advance(2000);
    expect(r.bus.read32(MRR0_DAT)).toBe(0);
    const noPerf = rig(imx8mmDdrc({ perf: false }));
    noPerf.bus.write32(MRCTRL1, 0x00000500);
    noPerf.bus.write32(MRCTRL0, 0x80000011);
    noPerf.clock.advance(2000);
    expect([...r.guestErrors(), ...noPerf.guestErrors()]).toEqual([
      'ddrc: MRR data lost: perf monitor MRR0_DAT was not armed (write 1 before the MRR)',
      'ddrc: MRR data has nowhere to go: this controller has no perf monitor block (blocks.perf)',
    ]);
  });
});

describe('uMCTL2: PWRCTL.SELFREF_SW self-refresh', () => {
  it('enters self-refresh srDelayNs after SELFREF_SW and reports STAT operating_mode 3 / selfref_type 2', () => {
    const r = rig<SnpsUmctl2>(imx8mmDdrc());
    expect(r.bus.read32(STAT)).toBe(0x1);
    r.bus.write32(PWRCTL, 0x20);
    r.ctrl.checkInvariants();
    r.clock.advance(1000);
    expect(r.bus.read32(STAT)).toBe(0x23);
    expect([...r.dies.values()].every((d) => d.inSelfRefresh)).toBe(true);
    r.ctrl.checkInvariants();
    r.bus.write32(PWRCTL, 0x0);
    r.clock.advance(1000);
    expect(r.bus.read32(STAT)).toBe(0x1);
    expect(r.trace.ofKind('dram.sr.exit')).toHaveLength(2);
    r.ctrl.checkInvariants();
  });
});

describe('uMCTL2: register image', () => {
  it('refuses status registers and a self-refresh request in the image, and unknown blocks', () => {
    expect(() => rig(imx8mmDdrc({ registers: { STAT: 1 } }))).toThrow(
      /STAT = 0x1 refused: STAT is status the model computes/,
    );
    expect(() => rig(imx8mmDdrc({ registers: { PWRCTL: 0x20 } }))).toThrow(/SELFREF_SW = 1/);
    const config = imx8mmDdrc();
    expect(() => rig({ ...config, blocks: { dmm: { base: 0x4e000000, registers: {} } } })).toThrow(
      'snps-umctl2 ddrc: unknown block dmm (this controller knows perf)',
    );
  });

  it('accepts the i.MX8M frequency-set shadow registers', () => {
    const r = rig(imx8mmDdrc({ registers: { MSTR: 0xa1080020, FREQ1_INIT3: 0x00d4002d } }));
    expect(r.ctrl.blocks.ddrc!.get('FREQ1_INIT3')).toBe(0x00d4002d);
    expect(r.bus.read32(DDRC + 0x20dc)).toBe(0x00d4002d);
  });
});
