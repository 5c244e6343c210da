import { describe, expect, it } from 'vitest';
import { program, runProgram } from '../../../hal/register-program.js';
import { executeOnConsole, planConsoleProgram, pollReads, renderPlan } from '../../../hal/uboot/console-executor.js';
import { DEV_BASE, makeBoard, makeRig, realTimer } from './rig.js';

const CONFIG = DEV_BASE + 0x50;
const DATA = DEV_BASE + 0x40;
const CMD = DEV_BASE + 0x10;
const STAT = DEV_BASE + 0x18;
const ID = DEV_BASE + 0x60;

/** The shape of every MR program: configure, trigger, wait for not-busy, read back. */
const mrProgram = program('test mrw', [
  { op: 'write', address: CONFIG, value: 0x11, note: 'CONFIG: CS0, MR17' },
  { op: 'write', address: DATA, value: 0xf0, note: 'DATA: issues the MRW' },
  { op: 'write', address: CMD, value: 0x80000001 },
  { op: 'poll', address: STAT, mask: 1, expect: 0, timeoutNs: 10_000, intervalNs: 1_000 },
  { op: 'delay', ns: 500 },
  { op: 'read', address: ID, label: 'id' },
]);

describe('register programs over the U-Boot console', () => {
  it('lists the exact console lines of a program for --dry-run', () => {
    const plan = planConsoleProgram(mrProgram);
    expect(plan.steps.map((s) => s.command)).toEqual([
      'mw.l 0x4c000050 0x00000011',
      'mw.l 0x4c000040 0x000000f0',
      'mw.l 0x4c000010 0x80000001',
      'md.l 0x4c000018 1',
      undefined,
      'md.l 0x4c000060 1',
    ]);
    expect(renderPlan(plan)).toEqual([
      '# program test mrw: 6 operations',
      '# 0: write (CONFIG: CS0, MR17)',
      'mw.l 0x4c000050 0x00000011',
      '# 1: write (DATA: issues the MRW)',
      'mw.l 0x4c000040 0x000000f0',
      '# 2: write',
      'mw.l 0x4c000010 0x80000001',
      '# 3: repeat until (value & 0x1) == 0x0, at most 11 reads',
      'md.l 0x4c000018 1',
      '# 4: wait 500 ns on the host',
      '# 5: read into id',
      'md.l 0x4c000060 1',
    ]);
  });

  it('bounds a poll by timeout / interval, at least one read, at most maxPollReads', () => {
    const poll = (timeoutNs: number, intervalNs: number) => ({
      op: 'poll' as const,
      address: 0,
      mask: 1,
      expect: 0,
      timeoutNs,
      intervalNs,
    });
    expect(pollReads(poll(10_000, 1_000))).toBe(11);
    expect(pollReads(poll(0, 1_000))).toBe(1);
    expect(pollReads(poll(1e9, 1))).toBe(64);
    expect(pollReads(poll(1e9, 1), 5)).toBe(5);
  });

  it('runs writes, a poll, a delay and a read, leaving the same registers as the emulated bus', async () => {
    const r = makeRig({ busyNs: 2_000 });
    const result = await executeOnConsole(r.console, mrProgram, realTimer);
    expect(result).toMatchObject({ ok: true, applied: 6, reads: { id: 0x4f4d4150 } });
    expect(r.mrws).toEqual([[0x11, 0xf0]]);

    const direct = makeBoard(2_000);
    expect(runProgram(mrProgram, direct.bus, direct.clock)).toMatchObject({ ok: true, applied: 6 });
    expect(r.dev.get('CONFIG')).toBe(direct.dev.get('CONFIG'));
    expect(r.dev.get('DATA')).toBe(direct.dev.get('DATA'));
    expect(direct.mrws).toEqual(r.mrws);
  });

  it('refuses a program with hazards unless forced, sending nothing', async () => {
    const hazardous = program(
      'mmdc mrw',
      [{ op: 'write', address: CONFIG, value: 1 }],
      [{ code: 'mmdc-con-req-stall', message: 'CON_REQ stalls the bus U-Boot runs from' }],
    );
    const r = makeRig();
    const refused = await executeOnConsole(r.console, hazardous, realTimer);
    expect(refused).toMatchObject({ ok: false, code: 'hazard', applied: 0, failedAt: -1 });
    if (!refused.ok) {
      expect(refused.reason).toBe(
        'refused to run mmdc mrw: mmdc-con-req-stall: CON_REQ stalls the bus U-Boot runs from (use --force to run it anyway)',
      );
      expect(refused.notAppliedSteps.map((s) => s.index)).toEqual([0]);
    }
    expect(r.tx()).toBe('');
    const forced = await executeOnConsole(r.console, hazardous, realTimer, { force: true });
    expect(forced).toMatchObject({ ok: true, applied: 1, forced: [{ code: 'mmdc-con-req-stall' }] });
  });

  it('stops a poll that never matches after its bounded number of reads', async () => {
    const r = makeRig({ busyNs: 1e12 });
    const p = program('stuck', [
      { op: 'write', address: CMD, value: 0x80000000 },
      { op: 'poll', address: STAT, mask: 1, expect: 0, timeoutNs: 3_000, intervalNs: 1_000 },
      { op: 'write', address: CONFIG, value: 1 },
    ]);
    const result = await executeOnConsole(r.console, p, realTimer);
    expect(result).toMatchObject({ ok: false, code: 'poll-timeout', applied: 1, failedAt: 1 });
    if (!result.ok) {
      expect(result.reason).toBe(
        'poll of 0x4c000018 gave up after 4 reads over the console (last 0x1, wanted 0x0 under mask 0x1)',
      );
      expect(result.notAppliedSteps.map((s) => s.index)).toEqual([1, 2]);
    }
    expect(r.tx().split('md.l 0x4c000018 1').length - 1).toBe(4);
    expect(r.dev.get('CONFIG')).toBe(0);
  });

  it('names what was applied, and that the reset undid it, when a write hits an unmapped address', async () => {
    const r = makeRig();
    const p = program('abort', [
      { op: 'write', address: CONFIG, value: 0x11 },
      { op: 'write', address: DATA, value: 0xf0 },
      { op: 'write', address: 0x50000000, value: 1 },
      { op: 'write', address: CONFIG, value: 0x12 },
    ]);
    const result = await executeOnConsole(r.console, p, realTimer);
    expect(result).toMatchObject({
      ok: false,
      code: 'board-reset',
      applied: 2,
      failedAt: 2,
      boardReset: true,
      uncertainStep: undefined,
    });
    if (!result.ok) {
      expect(result.appliedSteps.map((s) => s.command)).toEqual([
        'mw.l 0x4c000050 0x00000011',
        'mw.l 0x4c000040 0x000000f0',
      ]);
      expect(result.notAppliedSteps.map((s) => s.command)).toEqual([
        'mw.l 0x50000000 0x00000001',
        'mw.l 0x4c000050 0x00000012',
      ]);
      expect(result.reason).toContain('op 2 (mw.l 0x50000000 0x00000001) failed: the board crashed and reset');
      expect(result.reason).toContain('the 2 writes applied before are undone by the reset');
    }
  });

  it('marks a write whose prompt never came back as uncertain and does not re-send it', async () => {
    const r = makeRig({ server: { faults: { hangAfterCommands: 1 } }, console: { commandTimeoutMs: 80 } });
    const p = program('hang', [
      { op: 'write', address: CONFIG, value: 0x11 },
      { op: 'write', address: DATA, value: 0xf0 },
      { op: 'write', address: CONFIG, value: 0x12 },
    ]);
    const result = await executeOnConsole(r.console, p, realTimer);
    expect(result).toMatchObject({ ok: false, code: 'timeout', applied: 1, failedAt: 1 });
    if (!result.ok) {
      expect(result.uncertainStep?.command).toBe('mw.l 0x4c000040 0x000000f0');
      expect(result.notAppliedSteps.map((s) => s.index)).toEqual([2]);
      expect(result.reason).toContain('this write may or may not have been applied, so it was not re-sent');
    }
    expect(r.tx().split('mw.l 0x4c000040').length - 1).toBe(1);
  });

  it('reports a peer that disappears mid-program as disconnected, naming the applied writes', async () => {
    const r = makeRig({ console: { commandTimeoutMs: 1000 } });
    const p = program('vanish', [
      { op: 'write', address: CONFIG, value: 0x11 },
      { op: 'write', address: DATA, value: 0xf0 },
      { op: 'write', address: CONFIG, value: 0x12 },
    ]);
    const result = await executeOnConsole(r.console, p, realTimer, {
      onStep: (_s, done) => {
        if (done === 2) r.link.close(new Error('peer exited'));
      },
    });
    expect(result).toMatchObject({ ok: false, code: 'disconnected', applied: 2, failedAt: 2 });
    if (!result.ok) {
      expect(result.notAppliedSteps.map((s) => s.index)).toEqual([2]);
      expect(result.uncertainStep).toBeUndefined();
    }
  });

  it('reports progress after each op', async () => {
    const r = makeRig();
    const seen: [number, number][] = [];
    await executeOnConsole(r.console, mrProgram, realTimer, { onStep: (_s, done, total) => seen.push([done, total]) });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6].map((n) => [n, 6]));
  });
});
