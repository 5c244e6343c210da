import type { ControllerConfig, DramStandard } from '../../../hal/board/board-config.js';
import { SimClock } from '../../../hal/clock.js';
import { LpddrDie } from '../../../hal/lpddr/die.js';
import type { DiePort } from '../../../hal/lpddr/die-port.js';
import { createController, type ControllerOptions } from '../../../hal/memctrl/create-controller.js';
import { mapController, type MemoryController } from '../../../hal/memctrl/memory-controller.js';
import { MmioBus } from '../../../hal/mmio-bus.js';
import { runProgram, type ProgramResult, type RegisterProgram } from '../../../hal/register-program.js';
import { TraceBus } from '../../../hal/trace/trace-bus.js';
import { createDriver, type DriverOptions } from '../../../firmware/drivers/create-driver.js';
import type { MemoryControllerDriver } from '../../../firmware/drivers/mr-driver.js';
import { FakeDie, type FakeDieOptions } from '../../hal/memctrl/fake-die.js';
import { fmtWrite } from '../../hal/memctrl/rig.js';

export interface DriverRig<D extends MemoryControllerDriver = MemoryControllerDriver> {
  readonly clock: SimClock;
  readonly trace: TraceBus;
  readonly bus: MmioBus;
  readonly ctrl: MemoryController;
  readonly driver: D;
  readonly dies: Map<string, DiePort>;
  fake(id: string): FakeDie;
  real(id: string): LpddrDie;
  /** Run a program on the emulated bus; throws with the reason when it fails. */
  run(p: RegisterProgram): Extract<ProgramResult, { ok: true }>;
  writes(from?: number): string[];
  guestErrors(): string[];
  /** `die MRn=0x..` strings of the MRWs that reached dies, in order. */
  mrws(from?: number): string[];
}

export interface DriverRigOptions {
  readonly standard: DramStandard;
  /** Use the real LpddrDie (default: FakeDie). */
  readonly realDies?: boolean;
  readonly fakeDie?: (id: string) => FakeDieOptions;
  readonly model?: ControllerOptions;
  readonly driver?: DriverOptions;
}

/** Bus + clock + trace + controller model + dies + the firmware driver for the same controller config. */
export function driverRig<D extends MemoryControllerDriver = MemoryControllerDriver>(
  config: ControllerConfig,
  o: DriverRigOptions,
): DriverRig<D> {
  const clock = new SimClock();
  const trace = new TraceBus(clock);
  const bus = new MmioBus();
  const dies = new Map<string, DiePort>();
  for (const d of config.dies) {
    dies.set(
      d.id,
      o.realDies
        ? new LpddrDie(d, o.standard, clock, trace, { poison: () => 0 })
        : new FakeDie(d.id, clock, trace, { standard: o.standard, ...(o.fakeDie?.(d.id) ?? {}) }),
    );
  }
  const ctrl = createController(config, [...dies.values()], clock, trace, o.model ?? {});
  mapController(bus, ctrl);
  const driver = createDriver(config, o.standard, o.driver ?? {}) as D;
  const get = <T>(id: string, cls: abstract new (...a: never[]) => T): T => {
    const d = dies.get(id);
    if (!(d instanceof cls)) throw new Error(`no ${cls.name} ${id}`);
    return d;
  };
  return {
    clock,
    trace,
    bus,
    ctrl,
    driver,
    dies,
    fake: (id) => get(id, FakeDie),
    real: (id) => get(id, LpddrDie),
    run(p) {
      const r = runProgram(p, bus, clock);
      if (!r.ok) throw new Error(`${p.name} failed at op ${r.failedAt}: ${r.reason}`);
      return r;
    },
    writes: (from = 0) => trace.events.slice(from).flatMap((e) => (e.kind === 'mmio.write' ? [fmtWrite(e)] : [])),
    guestErrors: () => trace.ofKind('guest.error').map((e) => `${e.source}: ${e.message}`),
    mrws: (from = 0) =>
      trace.events
        .slice(from)
        .flatMap((e) =>
          e.kind === 'dram.mrw' ? [`${e.die} MR${e.mr}=0x${e.value.toString(16).padStart(2, '0')}`] : [],
        ),
  };
}
