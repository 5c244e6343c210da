import { describe, expect, it } from 'vitest';
import type { StePrcmu } from '../../../hal/memctrl/ste-prcmu.js';
import { snowballPrcmu } from './controller-configs.js';
import { rig } from './rig.js';

const PRCMU = 0x80157000;
const CPU_VAL = PRCMU + 0x0fc;
const CPU_SET = PRCMU + 0x100;
const IT1_VAL = PRCMU + 0x494;
const IT1_CLR = PRCMU + 0x48c;
const TCDM = 0x801b8000;
const HEADER = TCDM + 0xfe8;
const HEADER_ACK = TCDM + 0xff0;
const REQ_MB0 = TCDM + 0xfdc;
const CUR_PWR_STATE = TCDM + 0xffc;

type R = ReturnType<typeof rig<StePrcmu>>;

function request(r: R, header: number, payload: number): void {
  r.bus.write32(HEADER, header);
  r.bus.write32(REQ_MB0, payload);
  r.bus.write32(CPU_SET, 1);
}

function settle(r: R): void {
  r.clock.advance(20_000);
}

describe('ST-E PRCMU mailbox: PASR masks', () => {
  it('latches MB0H_SET_PASR_DDR0_CS1 masks and acks without touching the die', () => {
    const r = rig<StePrcmu>(snowballPrcmu());
    request(r, 6, 0x00f00000); // MR16 = 0, MR17 = 0xF0
    expect(r.bus.read32(CPU_VAL)).toBe(1);
    r.ctrl.checkInvariants();
    settle(r);
    expect(r.bus.read32(CPU_VAL)).toBe(0);
    expect(r.bus.read32(IT1_VAL)).toBe(1);
    expect(r.bus.read32(HEADER_ACK) & 0xff).toBe(6);
    expect(r.ctrl.pendingMasks('prcmu.cs1')).toEqual({ mr16: 0, mr17: 0xf0 });
    expect(r.die('prcmu.cs1').calls).toEqual([]);
    r.bus.write32(IT1_CLR, 1);
    expect(r.bus.read32(IT1_VAL)).toBe(0);
    r.ctrl.checkInvariants();
  });

  it('applies the latched MR16/MR17 at the next self-refresh entry, before the die enters self-refresh', () => {
    const r = rig<StePrcmu>(snowballPrcmu());
    request(r, 6, 0x00f00000);
    settle(r);
    request(r, 0, 0x00000001); // MB0H_POWER_STATE_TRANS, AP_POWER_STATE = PRCMU_AP_SLEEP
    settle(r);
    expect(r.die('prcmu.cs1').calls.map((c) => (c.op === 'mrw' ? `MR${c.mr}=${c.value}` : c.op))).toEqual([
      'MR16=0',
      'MR17=240',
      'sr.enter',
    ]);
    expect(r.die('prcmu.cs0').calls.map((c) => c.op)).toEqual(['sr.enter']);
    const [a, b] = r.die('prcmu.cs1').calls;
    expect(b!.tNs - a!.tNs).toBeGreaterThanOrEqual(50);
    expect(r.bus.read32(CUR_PWR_STATE) & 0xff).toBe(0x04); // AP_SLEEP
    expect(r.ctrl.pendingMasks('prcmu.cs1')).toBeUndefined();
    r.ctrl.checkInvariants();
  });

  it('takes the dies out of self-refresh on the next mailbox-0 request (wake-up convention)', () => {
    const r = rig<StePrcmu>(snowballPrcmu());
    request(r, 0, 0x04); // deep sleep
    settle(r);
    expect(r.bus.read32(CUR_PWR_STATE) & 0xff).toBe(0x03);
    request(r, 0, 0x00); // PRCMU_AP_NO_CHANGE
    settle(r);
    expect(r.ctrl.inSelfRefresh).toBe(false);
    expect(r.bus.read32(CUR_PWR_STATE) & 0xff).toBe(0x02);
    expect(r.trace.ofKind('dram.sr.exit').map((e) => e.die)).toEqual(['prcmu.cs0', 'prcmu.cs1']);
    r.ctrl.checkInvariants();
  });
});

describe('ST-E PRCMU mailbox: guest errors', () => {
  it('reports mailbox writes and a second doorbell while bit 0 of PRCM_MBOX_CPU_VAL is set', () => {
    const r = rig<StePrcmu>(snowballPrcmu());
    request(r, 5, 0x00ff0000);
    request(r, 5, 0x000f0000);
    expect(r.guestErrors()).toEqual([
      'prcmu: PRCM_MBOX_HEADER written while PRCM_MBOX_CPU_VAL bit 0 is set (wait for the previous request first)',
      'prcmu: PRCM_REQ_MB0 written while PRCM_MBOX_CPU_VAL bit 0 is set (wait for the previous request first)',
      'prcmu: PRCM_MBOX_CPU_SET bit 0 while a mailbox-0 request is pending (PRCM_MBOX_CPU_VAL bit 0 set); doorbell ignored',
    ]);
    settle(r);
    r.ctrl.checkInvariants();
  });

  it('reports a PASR header that names no die, masks wider than 8 bits, and unknown headers', () => {
    const r = rig<StePrcmu>(snowballPrcmu());
    request(r, 7, 0); // DDR1_CS0: Snowball has only DDR0
    settle(r);
    request(r, 5, 0x01000000);
    settle(r);
    request(r, 3, 0);
    settle(r);
    expect(r.guestErrors()).toEqual([
      'prcmu: MB0H_SET_PASR_DDR1_CS0 (header 7) names no die on this board',
      'prcmu: PASR masks MR16 0x0 / MR17 0x100 do not fit 8 bits; low byte kept',
      'prcmu: mailbox-0 header 3 is not modelled (acked without effect)',
    ]);
    expect(r.ctrl.pendingMasks('prcmu.cs0')).toEqual({ mr16: 0, mr17: 0 });
    expect(r.bus.read32(CPU_VAL)).toBe(0);
  });

  it('needs the tcdm block and serves only DDR0/DDR1 x CS0/CS1', () => {
    expect(() => rig(snowballPrcmu({}))).toThrow(/ste-prcmu prcmu: needs blocks.tcdm/);
    const config = snowballPrcmu();
    const bad = { ...config, dies: [{ ...config.dies[0]!, rank: 2, id: 'prcmu.cs2' }] };
    expect(() => rig(bad)).toThrow(/die prcmu.cs2 \(rank 2, channel 0\) has no mailbox header/);
  });
});
