/**
 * Schema validation of a board file: board-configs/board.schema.json compiled once with ajv, and
 * ajv's errors turned into one short human message per problem (no schema paths, no keyword noise).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import schemaJson from '../../board-configs/board.schema.json' with { type: 'json' };
import type { JsonSource } from './json-source.js';
import type { BoardProblem, PathSegment } from './board-problem.js';

export const BOARD_SCHEMA: object = schemaJson;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    // VS Code's JSON schema extension keyword: ajv only needs to accept it.
    ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
    compiled = ajv.compile(BOARD_SCHEMA);
  }
  return compiled;
}

function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

/** Short description of a JSON value for messages. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 37) + '...' : v);
  return String(v);
}

const TYPE_WORDS: Record<string, string> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};

function typeMessage(expected: string, data: unknown): string {
  const words =
    expected === 'string,integer'
      ? 'a hex string or an integer'
      : expected
          .split(',')
          .map((t) => TYPE_WORDS[t] ?? t)
          .join(' or ');
  return `must be ${words}, got ${describeValue(data)}`;
}

/** Edit distance, for "did you mean" on unknown fields. */
function distance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/**
 * The candidates closest to `word` by edit distance (case-insensitive), all of them when several tie;
 * [] when none is within max(2, a third of the word's length) edits.
 */
export function closestWords(word: string, candidates: readonly string[]): string[] {
  let best: string[] = [];
  let bestD = Infinity;
  for (const c of candidates) {
    const dd = distance(word, c);
    if (dd < bestD) {
      bestD = dd;
      best = [c];
    } else if (dd === bestD && !best.includes(c)) best.push(c);
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : [];
}

export function didYouMean(word: string, candidates: readonly string[]): string {
  const best = closestWords(word, candidates)[0];
  return best !== undefined ? ` (did you mean "${best}"?)` : '';
}

function messageFor(e: ErrorObject, source: JsonSource): BoardProblem | undefined {
  const path = pointerToPath(e.instancePath);
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return source.problem([...path, params.missingProperty as string], 'required field is missing');
    case 'additionalProperties': {
      const key = params.additionalProperty as string;
      const known = Object.keys((parent.properties as object | undefined) ?? {});
      return source.problem([...path, key], `unknown field "${key}"${didYouMean(key, known)}`, true);
    }
    case 'propertyNames': {
      const key = params.propertyName as string;
      return source.problem(
        [...path, key],
        `invalid name ${JSON.stringify(key)}: use ASCII letters, digits, '_' and '-'`,
        true,
      );
    }
    case 'type':
      return source.problem(path, typeMessage(String(params.type), e.data));
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      const last = path[path.length - 1];
      if (last === 'kind' && path[0] === 'controllers') {
        return source.problem(path, `unknown controller kind ${describeValue(e.data)} (known: ${allowed.join(', ')})`);
      }
      return source.problem(path, `${describeValue(e.data)} is not one of: ${allowed.join(', ')}`);
    }
    case 'pattern': {
      const hint =
        typeof parent.patternErrorMessage === 'string'
          ? parent.patternErrorMessage
          : `must match ${String(params.pattern)}`;
      return source.problem(path, `${hint}, got ${describeValue(e.data)}`);
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const op = { minimum: '>=', maximum: '<=', exclusiveMinimum: '>', exclusiveMaximum: '<' }[e.keyword];
      if (e.keyword === 'minimum' && params.limit === 0)
        return source.problem(path, `must not be negative, got ${describeValue(e.data)}`);
      return source.problem(path, `out of range: must be ${op} ${String(params.limit)}, got ${describeValue(e.data)}`);
    }
    case 'minItems':
      return source.problem(path, `needs at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`);
    case 'maxItems':
      return source.problem(path, `has more than ${String(params.limit)} items`);
    case 'minLength':
      return source.problem(
        path,
        params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters`,
      );
    case 'maxLength':
      return source.problem(path, `is longer than ${String(params.limit)} characters`);
    case 'minProperties':
      return source.problem(path, `needs at least ${String(params.limit)} entr${params.limit === 1 ? 'y' : 'ies'}`);
    case 'maxProperties':
      return source.problem(path, `has more than ${String(params.limit)} entries`);
    case 'uniqueItems':
      return source.problem(path, `items ${String(params.j)} and ${String(params.i)} are the same`);
    default:
      return source.problem(path, e.message ?? e.keyword);
  }
}

/** Validate the plain value against the schema; [] when it conforms. */
export function schemaProblems(value: unknown, source: JsonSource): BoardProblem[] {
  const validate = validator();
  if (validate(value)) return [];
  const out: BoardProblem[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    // propertyNames reports the inner pattern failure too; the outer error says it better.
    if ((e as ErrorObject & { propertyName?: string }).propertyName !== undefined) continue;
    const p = messageFor(e, source);
    if (!p) continue;
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}
