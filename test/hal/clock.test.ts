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

  it('lets a task wait for hardware, while a hardware callback can only move time', () => {
    const clock = new SimClock();
    const seen: [string, boolean, boolean][] = [];
    clock.scheduleTask(10, () => {
      // kswapd programs a device that acks 100 ns later, and waits for it.
      let acked = false;
      clock.schedule(100, () => {
        acked = true;
      });
      clock.advance(200);
      seen.push(['task', clock.inAlarm, acked]);
    });
    clock.schedule(500, () => {
      let acked = false;
      clock.schedule(100, () => {
        acked = true;
      });
      clock.advance(200);
      seen.push(['hardware', clock.inAlarm, acked]);
    });
    expect(clock.inAlarm).toBe(false);
    clock.advance(1000);
    expect(seen).toEqual([
      ['task', true, true],
      ['hardware', true, false],
    ]);
    expect(clock.inAlarm).toBe(false);
  });

  it('never nests tasks: one that falls due while another charges its cost runs after it returns', () => {
    const clock = new SimClock();
    const order: string[] = [];
    clock.scheduleTask(10, () => {
      order.push(`a start ${clock.nowNs}`);
      clock.advance(100);
      order.push(`a end ${clock.nowNs}`);
    });
    clock.scheduleTask(50, () => order.push(`b ${clock.nowNs}`));
    clock.advance(20);
    expect(order).toEqual(['a start 10', 'a end 110', 'b 110']);
  });

  it('refuses to go backwards or by a non-finite amount', () => {
    const clock = new SimClock();
    expect(() => clock.advance(-1)).toThrow('cannot advance the clock by -1 ns');
    expect(() => clock.advance(NaN)).toThrow();
    clock.advanceTo(50);
    clock.advanceTo(10);
    expect(clock.nowNs).toBe(50);
  });

  it('inside atomic(), the hardware answers and tasks wait until it returns', () => {
    const clock = new SimClock();
    const fired: [string, number][] = [];
    clock.scheduleTask(0, () => fired.push(['daemon', clock.nowNs]));
    clock.schedule(5, () => fired.push(['earlier device', clock.nowNs]));
    clock.atomic(() => {
      // A controller that answers 50 ns after its doorbell, polled every 20 ns.
      let acked = false;
      clock.schedule(50, () => {
        acked = true;
        fired.push(['ack', clock.nowNs]);
      });
      while (!acked) clock.advance(20);
    });
    expect(fired).toEqual([
      ['earlier device', 5],
      ['ack', 50],
    ]);
    expect(clock.nowNs).toBe(60);
    clock.advance(0);
    expect(fired.at(-1)).toEqual(['daemon', 60]);
  });

  it('lets atomic() code poll its hardware from inside a task, where other tasks wait', () => {
    const clock = new SimClock();
    const log: string[] = [];
    clock.scheduleTask(100, () => log.push(`other task at ${clock.nowNs}`));
    clock.scheduleTask(10, () => {
      clock.atomic(() => {
        let acked = false;
        clock.schedule(30, () => {
          acked = true;
        });
        for (let polls = 0; !acked && polls < 1000; polls++) clock.advance(10);
        log.push(`acked ${acked} at ${clock.nowNs}`);
      });
      clock.advance(200);
      log.push(`task done at ${clock.nowNs}`);
    });
    clock.advance(20);
    expect(log).toEqual(['acked true at 40', 'task done at 240', 'other task at 240']);
  });

  it('keeps hardware alarms an atomic() part leaves pending, and a cancelled one stays cancelled', () => {
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
