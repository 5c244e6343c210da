import { describe, expect, it } from 'vitest';
import { LPDDR2_S2_MRS, LPDDR2_S4_MRS, MODE_REGISTERS, modeRegister } from '../../../hal/lpddr/mode-registers.js';
import { decodeFields, registerOf } from '../../../hal/regs/register.js';

describe('mode-register declarations', () => {
  it('declares MR5-MR8 read-only in every standard with the JEDEC field layout of MR8', () => {
    for (const [std, b] of Object.entries(MODE_REGISTERS)) {
      for (const mr of [5, 6, 7, 8]) {
        const d = b.registers.find((r) => r.offset === mr);
        expect(d?.name, `${std} MR${mr}`).toBe(`MR${mr}`);
        expect(d?.fields.every((f) => f.access === 'ro')).toBe(true);
      }
    }
    expect(decodeFields(registerOf(LPDDR2_S4_MRS, 'MR8'), 0x3b)).toEqual({ TYPE: 3, DENSITY: 0xe, IO_WIDTH: 0 });
  });

  it('declares MR0 DAI/DI/DNVI/RZQI and MR4 refresh rate + TUF on LPDDR2', () => {
    expect(decodeFields(registerOf(LPDDR2_S4_MRS, 'MR0'), 0x19)).toEqual({ DAI: 1, DI: 0, DNVI: 0, RZQI: 3 });
    expect(decodeFields(registerOf(LPDDR2_S4_MRS, 'MR4'), 0x83)).toEqual({ REFRESH_RATE: 3, TUF: 1 });
  });

  it('gives S2 parts a 2-bit MR16 PASR code with OP[7:2] reserved and no MR17', () => {
    const mr16 = registerOf(LPDDR2_S2_MRS, 'MR16');
    expect(mr16.fields.map((f) => f.name)).toEqual(['PASR']);
    expect(mr16.reservedMask).toBe(0xfc);
    expect(modeRegister('LPDDR2-S2', 17)).toBeUndefined();
    expect(modeRegister('LPDDR2-S4', 17)?.fields[0]?.name).toBe('SEGMENT_MASK');
  });

  it('puts the LPDDR5 PASR mask in MR23 and PARC in MR25 OP[6]', () => {
    expect(modeRegister('LPDDR5', 23)?.fields.map((f) => [f.name, f.shift, f.width])).toEqual([['PASR_MASK', 0, 8]]);
    expect(decodeFields(modeRegister('LPDDR5', 25)!, 0x40)).toEqual({ CK_BUS_TERM: 0, CA_BUS_TERM: 0, PARC: 1 });
    expect(modeRegister('LPDDR5', 16)).toBeUndefined();
  });
});
