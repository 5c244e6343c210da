import { describe, expect, it } from 'vitest';
import { SimClock } from '../../hal/clock.js';

describe('SimClock', () => {
  it('fires alarms in due order, at their due time, once', () => {
    const clock = new SimClock();
    const fired: [string, number][] = [];
    clock.schedule(300, () => fired.push(['c', clock.nowNs]));
    clock.schedule(100, () => fired.push(['a', clock.nowNs]));
    clock.schedule(100, () => fired.push(['b', clock.nowNs]));
    clock.advance(250);
    expect(fired).toEqual([
      ['a', 100],
      ['b', 100],
    ]);
    expect(clock.nowNs).toBe(250);
    clock.advance(1000);
    expect(fired.map((f) => f[0])).toEqual(['a', 'b', 'c']);
    expect(clock.nowNs).toBe(1250);
  });

  it('does not fire a cancelled alarm', () => {
    const clock = new SimClock();
    let n = 0;
    const cancel = clock.schedule(10, () => n++);
    cancel();
    clock.advance(20);
    expect(n).toBe(0);
    expect(clock.nextAlarmNs()).toBe(Infinity);
  });

  it('fires an alarm scheduled by an alarm when it falls inside the same advance', () => {
    const clock = new SimClock();
    const at: number[] = [];
    clock.schedule(10, () => {
      at.push(clock.nowNs);
      clock.schedule(10, () => at.push(clock.nowNs));
    });
    clock.advance(100);
    expect(at).toEqual([10, 20]);
  });

  it('says when an alarm callback runs: there, hardware that completes on an alarm cannot be waited for', () => {
    const clock = new SimClock();
    const seen: [boolean, boolean][] = [];
    let acked = false;
    clock.schedule(10, () => {
      // A device's completion alarm, due 100 ns later: advancing from inside only moves time.
      clock.schedule(100, () => {
        acked = true;
      });
      clock.advance(200);
      seen.push([clock.inAlarm, acked]);
    });
    expect(clock.inAlarm).toBe(false);
    clock.advance(20);
    expect(seen).toEqual([[true, false]]);
    expect([clock.inAlarm, acked]).toEqual([false, true]);
  });

  it('refuses to go backwards or by a non-finite amount', () => {
    const clock = new SimClock();
    expect(() => clock.advance(-1)).toThrow('cannot advance the clock by -1 ns');
    expect(() => clock.advance(NaN)).toThrow();
    clock.advanceTo(50);
    clock.advanceTo(10);
    expect(clock.nowNs).toBe(50);
  });

  it('inside atomic(), fires only the alarms scheduled there; the ones pending before wait until it returns', () => {
    const clock = new SimClock();
    const fired: [string, number][] = [];
    clock.schedule(0, () => fired.push(['daemon', clock.nowNs]));
    clock.atomic(() => {
      // A controller that answers 50 ns after its doorbell, polled every 20 ns.
      let acked = false;
      clock.schedule(50, () => {
        acked = true;
        fired.push(['ack', clock.nowNs]);
      });
      while (!acked) clock.advance(20);
    });
    expect(fired).toEqual([['ack', 50]]);
    expect(clock.nowNs).toBe(60);
    clock.advance(0);
    expect(fired).toEqual([
      ['ack', 50],
      ['daemon', 60],
    ]);
  });

  it('lets atomic() code poll its hardware from inside an alarm callback, where other advances only move time', () => {
    const clock = new SimClock();
    const log: string[] = [];
    clock.schedule(100, () => log.push(`other at ${clock.nowNs}`));
    clock.schedule(10, () => {
      clock.atomic(() => {
        let acked = false;
        clock.schedule(30, () => {
          acked = true;
        });
        for (let polls = 0; !acked && polls < 1000; polls++) clock.advance(10);
        log.push(`acked ${acked} at ${clock.nowNs}`);
      });
      // Outside the atomic part the callback's advances only move time again.
      clock.advance(200);
      log.push(`callback done at ${clock.nowNs}`);
    });
    clock.advance(20);
    expect(log).toEqual(['acked true at 40', 'callback done at 240', 'other at 240']);
  });

  it('keeps what an atomic() scope leaves pending, and a cancelled one stays cancelled', () => {
    const clock = new SimClock();
    const fired: string[] = [];
    let cancel = (): void => {};
    clock.atomic(() => {
      clock.schedule(100, () => fired.push('later'));
      cancel = clock.schedule(50, () => fired.push('cancelled'));
      expect(clock.nextAlarmNs()).toBe(50);
    });
    cancel();
    expect(clock.nextAlarmNs()).toBe(100);
    clock.advance(200);
    expect(fired).toEqual(['later']);
  });
});
