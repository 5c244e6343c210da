import { describe, expect, it } from 'vitest';
import { block, compose, decodeFields, field, reg32, DeclarationError } from '../../../hal/regs/register.js';
import { RegisterBlock } from '../../../hal/regs/register-block.js';
import { SimClock } from '../../../hal/clock.js';
import { TraceBus } from '../../../hal/trace/trace-bus.js';

const CTRL = reg32('CTRL', 0x00, {
  reset: 0x0000_0100,
  fields: [field('EN', 0, 1, 'rw'), field('MODE', 4, 3, 'rw'), field('ID', 8, 8, 'ro'), field('GO', 31, 1, 'wsc')],
});
const STATUS = reg32('STATUS', 0x04, {
  fields: [field('DONE', 0, 1, 'w1c'), field('ERR', 1, 1, 'w1c'), field('SET', 2, 1, 'w1s')],
});
const DATA = reg32('DATA', 0x08, { fields: [field('VALUE', 0, 32, 'wo')] });
const EVT = reg32('EVT', 0x0c, { fields: [field('COUNT', 0, 8, 'rc')] });
const TEST_BLOCK = block('TEST', 0x10, [CTRL, STATUS, DATA, EVT]);

function fresh() {
  const clock = new SimClock();
  const trace = new TraceBus(clock);
  return { clock, trace, blk: new RegisterBlock(TEST_BLOCK, 'test0', 0x4000_0000, trace) };
}

describe('register declarations', () => {
  it('rejects a field that overflows the register width', () => {
    expect(() => reg32('R', 0, { fields: [field('F', 30, 4)] })).toThrow(DeclarationError);
    expect(() => reg32('R', 0, { fields: [field('F', 30, 4)] })).toThrow(
      'R.F: bits 33:30 overflow the 32-bit register',
    );
  });

  it('rejects overlapping fields, naming both', () => {
    expect(() => reg32('R', 0, { fields: [field('A', 0, 4), field('B', 3, 2)] })).toThrow(
      'R.B: bits 4:3 overlap field A',
    );
  });

  it('rejects two registers at one offset', () => {
    expect(() => block('B', 0x10, [reg32('X', 0, { fields: [] }), reg32('Y', 0, { fields: [] })])).toThrow(
      'B: Y and X share offset 0x0',
    );
  });

  it('composes and decodes values by field name, including bit 31', () => {
    const v = compose(CTRL, { EN: 1, MODE: 5, GO: 1 });
    expect(v).toBe(0x8000_0051);
    expect(decodeFields(CTRL, v)).toEqual({ EN: 1, MODE: 5, ID: 0, GO: 1 });
    expect(() => compose(CTRL, { MODE: 8 })).toThrow('CTRL.MODE = 8 does not fit 3 bits');
  });
});

describe('register block access modes', () => {
  it('keeps read-only fields and reports a write that tries to change a read-only register', () => {
    const { blk, trace } = fresh();
    blk.write32(0x00, 0x0000_ff11);
    expect(blk.get('CTRL')).toBe(0x0000_0111); // ID stays 0x01, EN and MODE written
    expect(trace.ofKind('guest.error')).toHaveLength(0); // a mixed register is not an error
  });

  it('clears write-1-to-clear bits and sets write-1-to-set bits', () => {
    const { blk } = fresh();
    blk.set('STATUS', 0b011);
    blk.write32(0x04, 0b001);
    expect(blk.get('STATUS')).toBe(0b010);
    blk.write32(0x04, 0b100);
    expect(blk.get('STATUS')).toBe(0b110);
  });

  it('reads write-only fields as zero and clears read-to-clear fields after a read', () => {
    const { blk } = fresh();
    blk.write32(0x08, 0xdead_beef);
    expect(blk.read32(0x08)).toBe(0);
    expect(blk.get('DATA')).toBe(0xdead_beef);
    blk.set('EVT', 7);
    expect(blk.read32(0x0c)).toBe(7);
    expect(blk.read32(0x0c)).toBe(0);
  });

  it('runs the write hook with the trigger bit set, then self-clears it', () => {
    const { blk } = fresh();
    const seen: number[] = [];
    blk.onWrite('CTRL', (v) => seen.push(v));
    blk.write32(0x00, 0x8000_0001);
    expect(seen).toEqual([0x8000_0101]);
    expect(blk.getField('CTRL', 'GO')).toBe(0);
  });

  it('traces writes with the register name and decoded fields', () => {
    const { blk, trace } = fresh();
    blk.write32(0x00, 0x31);
    expect(trace.ofKind('mmio.write')).toEqual([
      {
        kind: 'mmio.write',
        seq: 0,
        tNs: 0,
        address: 0x4000_0000,
        value: 0x31,
        block: 'test0',
        register: 'CTRL',
        fields: { EN: 1, MODE: 3, ID: 0, GO: 0 },
      },
    ]);
  });

  it('reports accesses to offset with no declared registers as guest errors and reads them as zero', () => {
    const { blk, trace } = fresh();
    expect(() => blk.write32(0x10, 1)).not.toThrow();
    expect(trace.ofKind('guest.error').map((e) => e.message)).toEqual([
      'write of 0x1 to offset with no declared register 0x10',
    ]);
  });
});
