import { describe, expect, it } from 'vitest';
import { SimClock } from '../../hal/clock.js';
import { TraceBus } from '../../hal/trace/trace-bus.js';
import { MmioBus } from '../../hal/mmio-bus.js';
import { block, field, reg32 } from '../../hal/regs/register.js';
import { RegisterBlock } from '../../hal/regs/register-block.js';
import { program, runProgram } from '../../hal/register-program.js';

const BUSY_BLOCK = block('BUSY', 0x10, [
  reg32('CMD', 0x0, { fields: [field('GO', 0, 1, 'wsc')] }),
  reg32('STAT', 0x4, { fields: [field('BUSY', 0, 1, 'ro')] }),
]);

function rig(busyNs: number) {
  const clock = new SimClock();
  const trace = new TraceBus(clock);
  const bus = new MmioBus();
  const dev = new RegisterBlock(BUSY_BLOCK, 'busy0', 0x1000, trace);
  dev.onWrite('CMD', () => {
    dev.set('STAT', 1);
    clock.schedule(busyNs, () => dev.set('STAT', 0));
  });
  bus.map(0x1000, dev);
  return { clock, bus, trace };
}

describe('register programs on the emulated bus', () => {
  it('polls until hardware finishes, advancing simulated time', () => {
    const { clock, bus } = rig(2_000);
    const p = program('go', [
      { op: 'write', address: 0x1000, value: 1 },
      { op: 'poll', address: 0x1004, mask: 1, expect: 0, timeoutNs: 10_000, intervalNs: 500 },
      { op: 'read', address: 0x1004, label: 'stat' },
    ]);
    expect(runProgram(p, bus, clock)).toEqual({ ok: true, applied: 3, reads: { stat: 0 } });
    expect(clock.nowNs).toBe(2_000);
  });

  it('stops at a poll timeout and says how much was applied', () => {
    const { clock, bus } = rig(50_000);
    const p = program('go', [
      { op: 'write', address: 0x1000, value: 1 },
      { op: 'poll', address: 0x1004, mask: 1, expect: 0, timeoutNs: 1_000, intervalNs: 250 },
      { op: 'write', address: 0x1000, value: 1 },
    ]);
    const r = runProgram(p, bus, clock);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.applied).toBe(1);
      expect(r.failedAt).toBe(1);
      expect(r.reason).toBe('poll of 0x1004 timed out after 1000 ns (last 0x1, wanted 0x0 under mask 0x1)');
    }
  });

  it('turns an access to an unmapped address into a failed result, not an exception', () => {
    const { clock, bus } = rig(0);
    const r = runProgram(program('bad', [{ op: 'write', address: 0x2000, value: 1 }]), bus, clock);
    expect(r).toMatchObject({
      ok: false,
      applied: 0,
      failedAt: 0,
      reason: 'bus error: write at 0x00002000: no device mapped',
    });
  });

  it('rejects a misaligned address when the program is built', () => {
    expect(() => program('p', [{ op: 'read', address: 0x1002, label: 'x' }])).toThrow(
      'p: op 0: address 4098 is not a word-aligned address',
    );
  });
});
