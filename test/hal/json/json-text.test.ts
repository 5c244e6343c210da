import { describe, expect, it } from 'vitest';
import { decodeJsonText } from '../../../hal/json/json-text.js';

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

const decode = (b: Uint8Array) => decodeJsonText(b, 'scenario file');
const problem = (line: number, col: number, message: string) => ({
  ok: false,
  problem: { line, col, path: '$', message },
});

describe('JSON file text from bytes', () => {
  it('takes UTF-8 as it is, keeping non-ASCII characters and U+FFFD written in the file', () => {
    const text = '{"name": "板-ünï-💾", "x": "\uFFFD"}';
    expect(decode(bytes(text))).toEqual({ ok: true, text });
  });

  it('drops a UTF-8 byte order mark', () => {
    expect(decode(bytes([0xef, 0xbb, 0xbf], '{}'))).toEqual({ ok: true, text: '{}' });
  });

  it('refuses UTF-16 in either byte order', () => {
    const m = (a: number, b: number) =>
      `UTF-16 text (byte order mark 0x${a.toString(16)} 0x${b.toString(16)}): save the scenario file as UTF-8`;
    expect(decode(bytes([0xff, 0xfe], Buffer.from('{}', 'utf16le') as unknown as number[]))).toEqual(
      problem(1, 1, m(0xff, 0xfe)),
    );
    expect(decode(bytes([0xfe, 0xff, 0, 0x7b, 0, 0x7d]))).toEqual(problem(1, 1, m(0xfe, 0xff)));
  });

  it('places the first byte that is not UTF-8 by line and character column', () => {
    // Line 2: two 2-byte characters and a 4-byte one before the bad byte, at byte 2 + 2 + 2 + 4 = 10. Columns
    // count UTF-16 code units, as JSON positions (and editors) do: the 💾 is two, so the column is 5.
    expect(decode(bytes('{\n', 'éé💾', [0xe9], '"}'))).toEqual(
      problem(2, 5, 'byte 0xe9 at byte 10 is not UTF-8: save the scenario file as UTF-8'),
    );
    const bad = (seq: number[]) => decode(bytes('{"a": "', seq, '"}'));
    // Overlong '/', an encoded surrogate, a code point above U+10FFFF, a lone continuation byte, a cut sequence.
    for (const seq of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xe2, 0x82]])
      expect(bad(seq), seq.join(' ')).toEqual(
        problem(1, 8, `byte 0x${seq[0]!.toString(16)} at byte 7 is not UTF-8: save the scenario file as UTF-8`),
      );
    expect(decode(bytes('{"a": 1}', [0xe2, 0x82]))).toEqual(
      problem(1, 9, 'byte 0xe2 at byte 8 is not UTF-8: save the scenario file as UTF-8'),
    );
  });

  it('calls a file with a NUL byte binary, wherever it is', () => {
    expect(decode(bytes('{\n"a":\n  ', [0], '1}'))).toEqual(
      problem(3, 3, 'NUL byte at byte 9: this is a binary file, not a scenario file (JSON text)'),
    );
    expect(decode(bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a, 0, 0]))).toEqual(
      problem(3, 1, 'NUL byte at byte 8: this is a binary file, not a scenario file (JSON text)'),
    );
  });

  it('finds the first bad byte of a large file in one pass', () => {
    const big = bytes('"', '\uFFFD'.repeat(300_000), [0xff], '"');
    expect(decode(big)).toEqual(
      problem(1, 300_002, 'byte 0xff at byte 900001 is not UTF-8: save the scenario file as UTF-8'),
    );
  });
});
