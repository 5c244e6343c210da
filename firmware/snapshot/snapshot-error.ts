/**
 * A snapshot file that does not hold what it should: the file (its name in the snapshot folder),
 * the line when the problem is on one, and what is wrong. The command line prefixes the folder.
 */
export class SnapshotError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly problem: string,
  ) {
    super(`${file}${line === null ? '' : `:${line}`}: ${problem}`);
    this.name = 'SnapshotError';
  }
}

/** A line as an error message quotes it: at most 80 characters, control characters escaped. */
export function quoteLine(line: string): string {
  const cut = line.length > 80 ? `${line.slice(0, 80)}…` : line;
  return JSON.stringify(cut);
}

/** Text of a /proc file: refuses binary content (a NUL byte) before any line is parsed. */
export function procText(bytes: Uint8Array, file: string): string[] {
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    let line = 1;
    for (let i = 0; i < nul; i++) if (bytes[i] === 10) line++;
    throw new SnapshotError(file, line, 'binary data (a NUL byte): not the text /proc writes');
  }
  const lines = new TextDecoder('utf-8').decode(bytes).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
