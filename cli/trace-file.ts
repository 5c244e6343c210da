import { type DecodedTrace, decodeTrace, TraceFormatError } from '../hal/trace/codec.js';
import { CliError } from './errors.js';
import { readInput } from './files.js';

/** Read and decode a `.pasrtrace` file; a damaged or foreign file is a CliError naming it. */
export function readTrace(file: string): DecodedTrace {
  const bytes = readInput(file, 'trace');
  try {
    return decodeTrace(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
  } catch (e) {
    if (e instanceof TraceFormatError) throw new CliError(e.message);
    throw e;
  }
}
