import { describe, expect, it } from 'vitest';
import type { FslMmdc } from '../../../hal/memctrl/fsl-mmdc.js';
import { imx6slMmdc } from './controller-configs.js';
import { rig } from './rig.js';

const MMDC = 0x021b0000;
const MDSCR = MMDC + 0x1c;
const MDMRR = MMDC + 0x34;
const MAPSR = MMDC + 0x404;

function handshake(r: ReturnType<typeof rig<FslMmdc>>): void {
  r.bus.write32(MDSCR, 0x00008000);
  r.clock.advance(100);
}

describe('i.MX6 MMDC: MDSCR CON_REQ / CON_ACK handshake', () => {
  it('raises CON_ACK conAckDelayNs after CON_REQ and drops it with CON_REQ', () => {
    const r = rig<FslMmdc>(imx6slMmdc());
    r.bus.write32(MDSCR, 0x00008000);
    expect(r.bus.read32(MDSCR)).toBe(0x00008000);
    expect(r.ctrl.axiStalled).toBe(true);
    r.clock.advance(99);
    expect(r.ctrl.blocks.mmdc!.getField('MDSCR', 'CON_ACK')).toBe(0);
    r.clock.advance(1);
    expect(r.bus.read32(MDSCR)).toBe(0x0000c000);
    r.ctrl.checkInvariants();
    r.bus.write32(MDSCR, 0);
    expect(r.bus.read32(MDSCR)).toBe(0);
    expect(r.ctrl.axiStalled).toBe(false);
    r.ctrl.checkInvariants();
  });

  it('acks at once with conAckDelayNs = 0 (as the QEMU Kindle model does)', () => {
    const r = rig<FslMmdc>(imx6slMmdc(), { 'fsl-mmdc': { conAckDelayNs: 0 } });
    r.bus.write32(MDSCR, 0x00008000);
    expect(r.bus.read32(MDSCR) & 0x4000).toBe(0x4000);
  });

  it('issues MRW MR17=0xF0 on CS0 for MDSCR 0xF0118030 and on CS1 for 0xF0118038', () => {
    const r = rig<FslMmdc>(imx6slMmdc());
    handshake(r);
    r.bus.write32(MDSCR, 0xf0118030);
    r.bus.write32(MDSCR, 0xf0118038);
    expect(r.die('mmdc.cs0').mrwCalls()).toEqual([{ mr: 17, value: 0xf0 }]);
    expect(r.die('mmdc.cs1').mrwCalls()).toEqual([{ mr: 17, value: 0xf0 }]);
    expect(r.trace.ofKind('mmio.write')[1]!.fields).toEqual({
      MR_OP: 0xf0,
      MR_ADDR: 17,
      CON_REQ: 1,
      CON_ACK: 0,
      MRR_READ_DATA_VALID: 0,
      CMD: 3,
      CMD_CS: 0,
      CMD_BA: 0,
    });
    expect(r.guestErrors()).toEqual([]);
  });

  it('decodes the u-boot DCD MRW words (MR63 reset, MR10 0xFF, MR1 0x82, MR2 0x04, MR3 0x02)', () => {
    const r = rig<FslMmdc>(imx6slMmdc());
    handshake(r);
    for (const w of [0x003f8030, 0xff0a8030, 0x82018030, 0x04028030, 0x02038030]) r.bus.write32(MDSCR, w);
    expect(r.die('mmdc.cs0').mrwCalls()).toEqual([
      { mr: 63, value: 0 },
      { mr: 10, value: 0xff },
      { mr: 1, value: 0x82 },
      { mr: 2, value: 0x04 },
      { mr: 3, value: 0x02 },
    ]);
  });

  it('drops a command written before CON_ACK and reports it as a guest error', () => {
    const r = rig<FslMmdc>(imx6slMmdc());
    r.bus.write32(MDSCR, 0xf0118030); // CON_REQ rises in this very write: no ACK yet
    r.clock.advance(1000);
    r.bus.write32(MDSCR, 0xf0110030); // ACK is up but the command word drops CON_REQ
    expect(r.die('mmdc.cs0').calls).toEqual([]);
    expect(r.guestErrors()).toEqual([
      'mmdc: MDSCR command CMD=3 written without the CON_REQ/CON_ACK handshake (CON_REQ=1, CON_ACK was 0); command dropped',
      'mmdc: MDSCR command CMD=3 written without the CON_REQ/CON_ACK handshake (CON_REQ=0, CON_ACK was 1); command dropped',
    ]);
    r.ctrl.checkInvariants();
  });

  it('answers MRR (CMD 6) in MDMRR byte lane 0 and sets MRR_READ_DATA_VALID', () => {
    const r = rig<FslMmdc>(imx6slMmdc(), {}, (id) => ({ mrs: { 5: id === 'mmdc.cs1' ? 0x06 : 0x01 } }));
    handshake(r);
    r.bus.write32(MDSCR, 0x00058068); // MR5, CON_REQ, CMD 6, CS1
    expect(r.bus.read32(MDSCR) & 0x400).toBe(0x400);
    expect(r.bus.read32(MDMRR)).toBe(0x00000006);
    r.bus.write32(MDSCR, 0x00088060); // MR8 on CS0 (MR8 unset -> 0): valid again, new data
    expect(r.bus.read32(MDMRR)).toBe(0);
    expect(r.die('mmdc.cs1').calls).toEqual([expect.objectContaining({ op: 'mrr', mr: 5, value: 6 })]);
  });

  it('reports the reserved CMD 7 and accepts precharge/refresh/ZQ commands without a die effect', () => {
    const r = rig<FslMmdc>(imx6slMmdc());
    handshake(r);
    r.bus.write32(MDSCR, 0x00008070);
    r.bus.write32(MDSCR, 0x00008010);
    r.bus.write32(MDSCR, 0x00008040);
    expect(r.guestErrors()).toEqual(['mmdc: MDSCR CMD=7 is reserved; command dropped']);
    expect(r.die('mmdc.cs0').calls).toEqual([]);
  });
});

describe('i.MX6 MMDC: MAPSR self-refresh handshake', () => {
  it('enters self-refresh on DVFS (Linux suspend-imx6.S) and acks with DVACK after srAckDelayNs', () => {
    const r = rig<FslMmdc>(imx6slMmdc());
    r.bus.write32(MAPSR, 0x00011007); // PSD set
    r.bus.write32(MAPSR, 0x00211007); // DVFS
    expect(r.bus.read32(MAPSR) & 0x02000000).toBe(0);
    expect(r.die('mmdc.cs0').inSelfRefresh).toBe(false);
    r.clock.advance(500);
    expect(r.bus.read32(MAPSR) & 0x02000000).toBe(0x02000000);
    expect([...r.dies.values()].every((d) => d.inSelfRefresh)).toBe(true);
    r.ctrl.checkInvariants();
    r.bus.write32(MAPSR, 0x00011007);
    r.clock.advance(500);
    expect(r.bus.read32(MAPSR) & 0x02000000).toBe(0);
    expect([...r.dies.values()].some((d) => d.inSelfRefresh)).toBe(false);
    r.ctrl.checkInvariants();
  });

  it('also enters on LPMD with LPACK (NXP SDK MMDC_EnableLowPowerMode)', () => {
    const r = rig<FslMmdc>(imx6slMmdc(), { 'fsl-mmdc': { srAckDelayNs: 0 } });
    r.bus.write32(MAPSR, 0x00101001);
    expect(r.bus.read32(MAPSR) & 0x01000000).toBe(0x01000000);
    expect(r.ctrl.inSelfRefresh).toBe(true);
    r.ctrl.checkInvariants();
  });
});

describe('i.MX6 MMDC: register image', () => {
  it('keeps the DCD image and refuses a pending CON_REQ or a self-refresh request', () => {
    const r = rig(imx6slMmdc());
    expect(r.ctrl.blocks.mmdc!.get('MDMISC')).toBe(0x00001688);
    expect(() => rig(imx6slMmdc({ MDSCR: 0x8000 }))).toThrow(
      /MDSCR = 0x8000 refused: the boot image must end with MDSCR = 0/,
    );
    expect(() => rig(imx6slMmdc({ MAPSR: 0x00201001 }))).toThrow(/MAPSR = 0x201001 refused/);
    expect(() => rig(imx6slMmdc({ MDCTRL: 1 }))).toThrow(/^fsl-mmdc mmdc: unknown register MDCTRL/);
  });
});
