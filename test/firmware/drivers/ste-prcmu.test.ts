import { describe, expect, it } from 'vitest';
import { StePrcmuDriver } from '../../../firmware/drivers/ste-prcmu.js';
import { snowballPrcmu } from '../../hal/memctrl/controller-configs.js';
import { driverRig } from './driver-rig.js';

const S4 = { standard: 'LPDDR2-S4' } as const;

describe('ST-E PRCMU driver: PASR masks through mailbox 0 (dbx500_prcmu_config_pasr_mask)', () => {
  it('waits for CPU_VAL bit 0, writes the header and the MR16/MR17 slots, rings CPU_SET and waits for the ack', () => {
    const r = driverRig<StePrcmuDriver>(snowballPrcmu(), { ...S4, realDies: true });
    const p = r.driver.pasrMasks('prcmu.cs1', 0x00, 0xf0);
    expect(
      p.ops.map(
        (o) =>
          `${o.op} 0x${o.op === 'delay' ? '' : o.address.toString(16)}${o.op === 'write' ? ` 0x${o.value.toString(16)}` : ''}`,
      ),
    ).toEqual([
      'poll 0x801570fc',
      'write 0x801b8fe8 0x6',
      'write 0x801b8fdc 0xf00000',
      'write 0x80157100 0x1',
      'poll 0x801570fc',
    ]);
    expect(p.ops[1]).toMatchObject({ note: 'MB0H_SET_PASR_DDR0_CS1' });
    r.run(p);
    expect(r.writes()).toEqual([
      'PRCM_MBOX_HEADER=0x00000006',
      'PRCM_REQ_MB0=0x00f00000',
      'PRCM_MBOX_CPU_SET=0x00000001',
    ]);
    expect(r.mrws()).toEqual([]); // not applied yet
    expect(r.guestErrors()).toEqual([]);
  });

  it('applies the masks only at the next self-refresh entry', () => {
    const r = driverRig(snowballPrcmu(), { ...S4, realDies: true });
    r.clock.advance(20_000);
    r.run(r.driver.pasrMasks('prcmu.cs1', 0x00, 0xf0));
    expect(r.mrws()).toEqual([]);
    const enter = r.driver.selfRefreshEnter();
    expect(enter.hazards.map((h) => h.code)).toEqual(['dram-self-refresh-live']);
    const mark = r.trace.events.length;
    r.run(enter);
    expect(r.mrws(mark)).toEqual(['prcmu.cs1 MR16=0x00', 'prcmu.cs1 MR17=0xf0']);
    const sr = r.trace.ofKind('dram.sr.enter');
    expect(sr.map((e) => [e.die, e.segmentMask])).toEqual([
      ['prcmu.cs0', 0],
      ['prcmu.cs1', 0xf0],
    ]);
    r.clock.advance(1_000_000);
    r.run(r.driver.selfRefreshExit());
    expect([...r.dies.values()].some((d) => d.inSelfRefresh)).toBe(false);
    expect(r.guestErrors()).toEqual([]);
    r.ctrl.checkInvariants();
  });

  it('sends the other mask as last given when asked for a single MRW', () => {
    const d = new StePrcmuDriver(snowballPrcmu(), 'LPDDR2-S4');
    const payload = (p: ReturnType<typeof d.mrw>) => p.ops.find((o) => o.op === 'write' && o.address === 0x801b8fdc);
    expect(payload(d.mrw('prcmu.cs0', 16, 0x03))).toMatchObject({ value: 0x00000003 });
    expect(payload(d.mrw('prcmu.cs0', 17, 0xc0))).toMatchObject({ value: 0x00c00003 });
    expect(payload(d.mrw('prcmu.cs1', 17, 0x01))).toMatchObject({ value: 0x00010000 });
    expect(() => d.mrw('prcmu.cs0', 2, 4)).toThrow(
      'ste-prcmu prcmu: the PRCMU mailbox carries only MR16/MR17 (asked for MR2)',
    );
  });

  it('has no MRR path and its init only clears the masks of every die', () => {
    const r = driverRig(snowballPrcmu(), { ...S4, realDies: true });
    expect(r.driver.canMrr).toBe(false);
    expect(() => r.driver.mrr('prcmu.cs0', 5)).toThrow(/no MRR path for MR5 of prcmu.cs0/);
    const init = r.driver.dramInit();
    expect(init.hazards).toEqual([]);
    r.run(init);
    expect(r.writes().filter((w) => w.startsWith('PRCM_MBOX_HEADER'))).toEqual([
      'PRCM_MBOX_HEADER=0x00000005',
      'PRCM_MBOX_HEADER=0x00000006',
    ]);
    r.run(r.driver.selfRefreshEnter());
    expect(r.mrws()).toEqual([
      'prcmu.cs0 MR16=0x00',
      'prcmu.cs0 MR17=0x00',
      'prcmu.cs1 MR16=0x00',
      'prcmu.cs1 MR17=0x00',
    ]);
  });

  it('needs the tcdm block', () => {
    expect(() => new StePrcmuDriver(snowballPrcmu({}), 'LPDDR2-S4')).toThrow(
      'ste-prcmu prcmu: needs blocks.tcdm (the PRCMU TCDM mailbox memory)',
    );
  });
});
