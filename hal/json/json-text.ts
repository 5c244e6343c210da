/**
 * The text of a JSON file from its bytes: UTF-8 (RFC 8259), with a leading byte order mark
 * dropped as editors on Windows write one. Binary data, UTF-16 and bytes that are not UTF-8 are
 * problems at their line and column, not text with replacement characters.
 */
import { hex } from '../bits.js';
import type { JsonProblem } from './json-problem.js';

export type DecodedText = { ok: true; text: string } | { ok: false; problem: JsonProblem };

/** 1-based line and column of the end of `prefix` (the next character's place). */
function placeAfter(prefix: string): { line: number; col: number } {
  const lines = prefix.split('\n');
  return { line: lines.length, col: lines[lines.length - 1]!.length + 1 };
}

/** Decode a JSON file's bytes; `noun` names the kind of file in messages ("scenario file"). */
export function decodeJsonText(bytes: Uint8Array, noun: string): DecodedText {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    return {
      ok: false,
      problem: {
        line: 1,
        col: 1,
        path: '$',
        message: `UTF-16 text (byte order mark ${hex(bytes[0]!, 2)} ${hex(bytes[1]!, 2)}): save the ${noun} as UTF-8`,
      },
    };
  const problem = (line: number, col: number, message: string): DecodedText => ({
    ok: false,
    problem: { line, col, path: '$', message },
  });
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  // JSON text never holds a NUL byte: one means binary data, whatever comes before it.
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const lineStart = bytes.lastIndexOf(0x0a, nul) + 1;
    const line = bytes.subarray(0, lineStart).reduce((n, b) => n + (b === 0x0a ? 1 : 0), 1);
    const col = decoder.decode(bytes.subarray(Math.max(lineStart, bom), nul)).length + 1;
    return problem(line, col, `NUL byte at byte ${nul}: this is a binary file, not a ${noun} (JSON text)`);
  }
  // ignoreBOM keeps a BOM as U+FEFF, so characters of `text` map back to bytes in order.
  const text = decoder.decode(bytes);
  const start = bom > 0 ? 1 : 0;
  if (text.includes('\uFFFD')) {
    // The decoder turned each invalid sequence into U+FFFD; one that was in the file is EF BF BD.
    let offset = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0xfffd && !(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) {
        const { line, col } = placeAfter(text.slice(start, i));
        return problem(
          line,
          col,
          `byte ${hex(bytes[offset]!, 2)} at byte ${offset} is not UTF-8: save the ${noun} as UTF-8`,
        );
      }
      if (c >= 0xd800 && c <= 0xdbff) {
        offset += 4; // a surrogate pair: one 4-byte sequence
        i++;
      } else offset += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    }
  }
  return { ok: true, text: text.slice(start) };
}
