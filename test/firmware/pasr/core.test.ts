import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../hal/clock.js';
import { TraceBus } from '../../../hal/trace/trace-bus.js';
import { bootBoard } from '../../../firmware/boot/boot.js';
import { PasrCensus } from '../../../firmware/pasr/census.js';
import { PasrCore } from '../../../firmware/pasr/core.js';
import { shippedBoard } from '../boot/boards.js';

function coreOn(board: string) {
  const clock = new SimClock();
  const r = bootBoard(shippedBoard(board), clock, new TraceBus(clock));
  if (!r.kernel) throw new Error(r.bootloader.errors.join('\n'));
  const census = new PasrCensus(r.kernel.mm, r.kernel.pasr);
  return {
    clock,
    board: r.board,
    map: r.kernel.pasr,
    core: new PasrCore(r.board, r.bootloader.drivers, r.kernel.pasr, census),
  };
}

describe('the PASR core', () => {
  it('programs mask changes back to back on a controller with a mode-register busy window (uMCTL2), from the top and from a task', () => {
    const { clock, board, map, core } = coreOn('imx8mm-evk');
    const free = map.units.filter((u) => u.usable && core.census.livePages(u.index) === 0).map((u) => u.index);
    expect(free.length).toBeGreaterThanOrEqual(3);
    expect(core.mask(free[0]!, 'test')).toEqual({ ok: true });
    expect(core.mask(free[1]!, 'test')).toEqual({ ok: true });
    // kswapd-like work that asks for a mask change while another controller write is in flight.
    clock.scheduleTask(0, () => {
      expect(core.mask(free[2]!, 'test')).toEqual({ ok: true });
    });
    clock.advance(1);
    expect(core.errors).toEqual([]);
    const bits = free.slice(0, 3).reduce((m, u) => m | (1 << map.units[u]!.bit), 0);
    expect(board.dies.map((d) => d.mr17)).toEqual(board.dies.map(() => bits));
    core.checkInvariants();
  });

  it('refuses to mask a unit holding live pages, and an unusable one', () => {
    const { map, core } = coreOn('pandaboard-es');
    const busy = map.units.find((u) => u.usable && core.census.livePages(u.index) > 0)!;
    const r = core.mask(busy.index, 'test');
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toMatch(/holds \d+ live pages/);
    expect(core.isMasked(busy.index)).toBe(false);
  });
});
