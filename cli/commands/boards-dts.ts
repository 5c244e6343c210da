/**
 * `pasr boards from-dts` and `pasr boards to-dts`: board configs from and to the devicetree
 * nodes that describe LPDDR memory (hal/dts/). This file reads and writes the files.
 */
import { basename, dirname, extname, isAbsolute, join } from 'node:path';
import type { DramStandard } from '../../hal/board/board-config.js';
import { formatProblem, parseBoardConfig } from '../../hal/board/load-board.js';
import { boardSkeleton, formatConfigJson } from '../../hal/dts/board-skeleton.js';
import { boardToDts } from '../../hal/dts/board-to-dts.js';
import { parseDts } from '../../hal/dts/dts-parser.js';
import { DtsError } from '../../hal/dts/dts-tree.js';
import { readLpddrTopology } from '../../hal/dts/lpddr-topology.js';
import { loadBoard, type BoardsDirOption } from '../board-files.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { readInput, writeOutput } from '../files.js';
import { sizeText } from '../format.js';
import { hex } from '../../hal/bits.js';

/** Board name from a file name: lower-case, [a-z0-9._-], starting with a letter or digit. */
function nameFrom(file: string): string {
  const n = basename(file, extname(file))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 64);
  return n.length > 0 ? n : 'board';
}

export async function fromDts(
  file: string,
  opts: { out?: string; name?: string; standard?: DramStandard },
): Promise<void> {
  const name = opts.name ?? nameFrom(file);
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name))
    throw new UsageError(`--name ${JSON.stringify(name)}: 1-64 lower-case letters, digits, '.', '_' or '-'`);
  const text = readInput(file, 'devicetree source').toString('utf8');
  let skeleton: ReturnType<typeof boardSkeleton>;
  let notes: readonly string[];
  try {
    const tree = parseDts(text, file, {
      include: (inc, from) => {
        const shown = isAbsolute(inc) ? inc : join(dirname(from), inc);
        return { file: shown, text: readInput(shown, 'included devicetree source').toString('utf8') };
      },
    });
    const topology = readLpddrTopology(tree, opts.standard ? { standard: opts.standard } : {});
    notes = topology.notes;
    skeleton = boardSkeleton(topology, { name, source: file });
  } catch (e) {
    if (e instanceof DtsError) throw new CliError(e.message);
    throw e;
  }
  const json = formatConfigJson(skeleton.config);
  // The skeleton must pass the same checks as a hand-written config; if not, say so instead of writing it.
  const check = parseBoardConfig(json, opts.out ?? `${name}.json`);
  if (!check.ok) {
    throw new CliError(
      `the config built from ${file} does not validate:`,
      EXIT.internal,
      check.problems.map((p) => formatProblem(opts.out ?? `${name}.json`, p)),
    );
  }
  const b = check.board;
  if (opts.out) writeOutput(opts.out, json, '--out');
  else process.stdout.write(json);
  const kinds = [...new Set(b.controllers.map((c) => c.kind))].join(', ');
  const err: string[] = [
    `${opts.out ? `wrote ${opts.out}` : name}: ${sizeText(b.dramSize)} ${b.standard} at ${hex(b.dramBase, 1)}, ${b.dies.length} die${b.dies.length > 1 ? 's' : ''} (${b.dies.map((d) => d.id).join(' ')}) on ${kinds}`,
  ];
  for (const n of notes) err.push(`note: ${n}`);
  const width = Math.max(...skeleton.fillIn.map((f) => f.path.length));
  err.push(`${skeleton.fillIn.length} placeholders to fill in (also in "unverified"):`);
  for (const f of skeleton.fillIn) err.push(`  ${f.path.padEnd(width)}  ${f.note.replace(/^fill in: /, '')}`);
  process.stderr.write(err.join('\n') + '\n');
}

export async function toDts(board: string, opts: BoardsDirOption & { out?: string }): Promise<void> {
  const b = loadBoard(board, opts);
  const dts = boardToDts(b, b.file);
  if (opts.out) writeOutput(opts.out, dts, '--out');
  else process.stdout.write(dts);
}
