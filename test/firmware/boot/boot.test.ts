import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../hal/clock.js';
import { TraceBus } from '../../../hal/trace/trace-bus.js';
import { bootBoard } from '../../../firmware/boot/boot.js';
import { KernelLog } from '../../../firmware/boot/dmesg.js';
import { runBootloader } from '../../../firmware/boot/bootloader.js';
import { Board } from '../../../hal/board/board.js';
import type { BoardConfig } from '../../../hal/board/board-config.js';
import { SHIPPED, shippedBoard } from './boards.js';

const MiB = 2 ** 20;

function boot(config: BoardConfig) {
  const clock = new SimClock();
  const trace = new TraceBus(clock);
  return { ...bootBoard(config, clock, trace), trace, clock };
}

/**
 * Die geometry per board, from the datasheet tables (reference/lpddr.md §1.2: LPDDR2-S4 2 Gb = 8 banks,
 * 14 row bits, segment 32 MiB; 4 Gb = 64 MiB; LPDDR4 per channel 8 Gb = 65536 rows; 12 Gb = 98304 rows,
 * six segments).
 */
const GEOMETRY: Record<
  string,
  { dies: number; densityMbit: number; banks: number; rows: number; segments: number; segmentBytes: number }
> = {
  'pandaboard-es': { dies: 4, densityMbit: 2048, banks: 8, rows: 16384, segments: 8, segmentBytes: 32 * MiB },
  'imx6sl-evk': { dies: 2, densityMbit: 4096, banks: 8, rows: 16384, segments: 8, segmentBytes: 64 * MiB },
  'imx8mm-evk': { dies: 2, densityMbit: 8192, banks: 8, rows: 65536, segments: 8, segmentBytes: 128 * MiB },
  'imx8mp-evk': { dies: 4, densityMbit: 12288, banks: 8, rows: 98304, segments: 6, segmentBytes: 256 * MiB },
  snowball: { dies: 2, densityMbit: 2048, banks: 8, rows: 16384, segments: 8, segmentBytes: 32 * MiB },
  'lp4x-quad-16g': { dies: 16, densityMbit: 8192, banks: 8, rows: 65536, segments: 8, segmentBytes: 128 * MiB },
};

describe('booting every shipped board', () => {
  it('ships the boards the project promises', () => {
    expect(SHIPPED).toEqual(expect.arrayContaining(Object.keys(GEOMETRY)));
  });

  for (const name of SHIPPED) {
    it(`${name}: boots with no guest error, every die's segments as the address map places them, masks cleared`, () => {
      const r = boot(shippedBoard(name));
      expect(r.bootloader.errors).toEqual([]);
      expect(r.trace.ofKind('guest.error')).toEqual([]);
      expect(r.kernel).toBeDefined();
      expect(r.board.dies.map((d) => d.id)).toEqual(r.board.config.dies.map((d) => d.id));
      for (const d of r.board.dies) {
        expect(r.board.addressMap.segmentBytes(d.id)).toBe(d.geometry.segmentBytes);
        expect([d.mr16, d.mr17]).toEqual([0, 0]);
      }
      r.board.checkInvariants();
      r.kernel!.mm.checkInvariants();
    });
  }

  for (const [name, g] of Object.entries(GEOMETRY)) {
    it(`${name}: dies shaped as the datasheet says`, () => {
      const r = boot(shippedBoard(name));
      expect(r.board.dies).toHaveLength(g.dies);
      const { dies: _count, ...perDie } = g;
      for (const d of r.board.dies) {
        expect({
          densityMbit: d.geometry.densityMbit,
          banks: d.geometry.banks,
          rows: d.geometry.rows,
          segments: d.geometry.segments,
          segmentBytes: d.geometry.segmentBytes,
        }).toEqual(perDie);
      }
    });
  }
});

describe('boot loader DRAM init', () => {
  it('pandaboard-es: every die gets MR10 ZQ, MR1, MR16 = MR17 = 0, MR2 then MR3, in U-Boot order', () => {
    const r = boot(shippedBoard('pandaboard-es'));
    for (const d of r.board.dies) {
      const mrws = r.trace
        .ofKind('dram.mrw')
        .filter((e) => e.die === d.id)
        .map((e) => [e.register, e.value]);
      expect(mrws).toEqual([
        ['MR10', 0xff],
        ['MR1', 0xc3],
        ['MR16', 0],
        ['MR17', 0],
        ['MR2', 0x04],
        ['MR3', 0x02],
      ]);
    }
    // MR2 goes out with REFRESH_EN set, as U-Boot's emif-common.c does.
    const mr2Config = r.trace
      .ofKind('mmio.write')
      .filter((e) => e.register === 'LPDDR2_MODE_REG_CONFIG' && e.fields.ADDRESS === 2);
    expect(mr2Config.map((e) => e.fields.REFRESH_EN)).toEqual([1, 1, 1, 1]);
  });

  it('imx6sl-evk: MMDC init resets each die with MR63 through the CON_REQ handshake', () => {
    const r = boot(shippedBoard('imx6sl-evk'));
    const mdscr = r.trace
      .ofKind('mmio.write')
      .filter((e) => e.register === 'MDSCR')
      .map((e) => e.value);
    expect(mdscr[0]).toBe(0x0000_8000);
    expect(mdscr).toContain(0x003f_8030); // MR63 on CS0, as the i.MX6SL EVK DCD writes it
    expect(mdscr).toContain(0x003f_8038); // and on CS1
    expect(mdscr.at(-1)).toBe(0);
  });

  it('reads MR5-MR8 back from every die that has an MRR path and decodes the identity', () => {
    const r = boot(shippedBoard('imx8mm-evk'));
    expect(r.bootloader.identity.map((i) => [i.die, i.verified, i.densityMbit])).toEqual([
      ['ddrc.rank0.cha', true, 8192],
      ['ddrc.rank0.chb', true, 8192],
    ]);
  });

  it('cannot read identity through the PRCMU mailbox and says so', () => {
    const r = boot(shippedBoard('snowball'));
    expect(r.bootloader.identity.every((i) => !i.verified && i.read === undefined)).toBe(true);
    expect(r.log.lines.map(KernelLog.format).join('\n')).toContain(
      'prcmu.cs0: no MRR path through ste-prcmu; identity taken from the board config',
    );
  });

  it('fails the boot when a die answers an identity the firmware does not expect, naming die, MR and both values', () => {
    const real = shippedBoard('pandaboard-es');
    // The firmware was told emif2.cs1 is a Micron part (MR5 = 0xff); the silicon is the Elpida part.
    const expected: BoardConfig = {
      ...real,
      dies: real.dies.map((d) => (d.id === 'emif2.cs1' ? { ...d, part: { ...d.part, mr5: 0xff } } : d)),
    };
    const clock = new SimClock();
    const board = new Board(real, clock, new TraceBus(clock));
    const r = runBootloader(board, new KernelLog(clock), expected);
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([
      'emif2.cs1: identity mismatch: MR5 reads 0x03, board config (elpida-ECB240ABACN) says 0xff',
    ]);
    expect(r.identity.find((i) => i.die === 'emif2.cs1')?.verified).toBe(false);
    expect(r.identity.filter((i) => i.verified)).toHaveLength(3);
  });
});

describe('the booted kernel carries the mm mechanisms, configured by the board', () => {
  it('offlines an idle ZONE_MOVABLE memory block of imx8mm-evk at the cost the board config sets', () => {
    const base = shippedBoard('imx8mm-evk');
    const offlineLast = (config: BoardConfig) => {
      const r = boot(config);
      expect(r.bootloader.ok).toBe(true);
      const { mech, mm } = r.kernel!;
      // The top block holds OP-TEE (reserved): the one below it is idle.
      const last = mech.hotplug.blockOf(mm.layout.startPfn + mm.layout.nrPages - 1) - 1;
      expect(mech.hotplug.blockZone(last)).toBe('Movable');
      const res = mech.hotplug.offlineBlock(last);
      expect(res.status).toBe('ok');
      expect(mech.hotplug.blockState(last)).toBe('offline');
      const top = mech.hotplug.offlineBlock(last + 1);
      expect(top.status).toBe('busy'); // OP-TEE's carve-out cannot be migrated
      expect(mech.hotplug.blockState(last + 1)).toBe('online');
      mech.checkInvariants();
      return res.elapsedNs;
    };
    const byDefault = offlineLast(base);
    expect(byDefault).toBeCloseTo(3.2e6, -3); // performance.md: ≈ 3.2 ms per idle 128 MiB block
    const slow = offlineLast({ ...base, kernel: { ...base.kernel, costs: { 'hotplug.offlineIdleBlockNs': 10e6 } } });
    expect(slow).toBeCloseTo(10e6, -3);
  });
});
