/**
 * Schema validation of a JSON file: a JSON Schema compiled once with ajv, and ajv's errors turned
 * into one short human message per problem (no schema paths, no keyword noise).
 *
 * Besides the standard keywords, schemas may carry two annotations editors (VS Code) understand:
 * `patternErrorMessage` (what a string failing `pattern` should look like) and `errorMessage` on a
 * schema with `anyOf`, `oneOf` or `not` (the one message for that combination; the errors of its
 * branches are not reported). A `oneOf` with a `discriminator` (ajv's, a tag property with a
 * `const` per branch) reports an unknown tag once, with the known ones.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JsonSource } from './json-source.js';
import type { JsonProblem, PathSegment } from './json-problem.js';

export interface SchemaMessages {
  /** Words for a union of types, keyed as ajv lists them ("string,integer"). */
  readonly typeWords?: Readonly<Record<string, string>>;
  /** A message for an enum failure at `path`, or undefined for the default one. */
  readonly enumMessage?: (
    path: readonly PathSegment[],
    value: unknown,
    allowed: readonly string[],
  ) => string | undefined;
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

/** Edit distance, for "did you mean" on unknown names. */
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

/** ` (did you mean "x"?)` for the closest candidate, or '' when none is close. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const best = closestWords(word, candidates)[0];
  return best !== undefined ? ` (did you mean "${best}"?)` : '';
}

function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

const COMBINATIONS = new Set(['anyOf', 'oneOf', 'not']);

/** A compiled schema that turns a value's schema errors into problems at their places. */
export class SchemaChecker {
  private compiled: ValidateFunction | undefined;

  constructor(
    readonly schema: object,
    private readonly messages: SchemaMessages = {},
  ) {}

  private validator(): ValidateFunction {
    if (!this.compiled) {
      const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, discriminator: true });
      // Editor annotations (VS Code's JSON schema support): ajv only needs to accept them.
      ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
      ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
      this.compiled = ajv.compile(this.schema);
    }
    return this.compiled;
  }

  private typeMessage(expected: string, data: unknown): string {
    const words =
      this.messages.typeWords?.[expected] ??
      expected
        .split(',')
        .map((t) => TYPE_WORDS[t] ?? t)
        .join(' or ');
    return `must be ${words}, got ${describeValue(data)}`;
  }

  private messageFor(e: ErrorObject, source: JsonSource): JsonProblem | undefined {
    const path = pointerToPath(e.instancePath);
    const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
    const params = e.params as Record<string, unknown>;
    if (COMBINATIONS.has(e.keyword) && typeof parent.errorMessage === 'string')
      return source.problem(path, parent.errorMessage);
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
      case 'discriminator': {
        const tag = params.tag as string;
        const value = params.tagValue;
        if (value === undefined) return source.problem([...path, tag], 'required field is missing');
        if (typeof value !== 'string') return source.problem([...path, tag], this.typeMessage('string', value));
        const known = ((parent.oneOf as { properties?: Record<string, { const?: unknown }> }[] | undefined) ?? [])
          .map((b) => b.properties?.[tag]?.const)
          .filter((c): c is string => typeof c === 'string');
        return source.problem(
          [...path, tag],
          `unknown ${tag} ${describeValue(value)}${didYouMean(value, known) || ` (known: ${known.join(', ')})`}`,
        );
      }
      case 'type':
        return source.problem(path, this.typeMessage(String(params.type), e.data));
      case 'const':
        return source.problem(path, `must be ${JSON.stringify(params.allowedValue)}, got ${describeValue(e.data)}`);
      case 'enum': {
        const allowed = (params.allowedValues as unknown[]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
        const custom = this.messages.enumMessage?.(path, e.data, allowed);
        return source.problem(path, custom ?? `${describeValue(e.data)} is not one of: ${allowed.join(', ')}`);
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
        return source.problem(
          path,
          `out of range: must be ${op} ${String(params.limit)}, got ${describeValue(e.data)}`,
        );
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
  problems(value: unknown, source: JsonSource): JsonProblem[] {
    const validate = this.validator();
    if (validate(value)) return [];
    const errors = validate.errors ?? [];
    // Combinations with their own message speak for their branches: an error is left out when a
    // combination with a message failed at its place or above it, and its schema path lies inside
    // that combination. (Indexed by place: a hostile file can have 10^5 errors.)
    const owned = new Map<string, string[]>();
    for (const e of errors) {
      if (!COMBINATIONS.has(e.keyword)) continue;
      if (typeof (e.parentSchema as { errorMessage?: unknown } | undefined)?.errorMessage !== 'string') continue;
      const list = owned.get(e.instancePath);
      if (list) list.push(`${e.schemaPath}/`);
      else owned.set(e.instancePath, [`${e.schemaPath}/`]);
    }
    const inOwned = (e: ErrorObject): boolean => {
      if (owned.size === 0) return false;
      for (let at = e.instancePath; ; at = at.slice(0, at.lastIndexOf('/'))) {
        if (owned.get(at)?.some((prefix) => e.schemaPath.startsWith(prefix))) return true;
        if (at === '') return false;
      }
    };
    const out: JsonProblem[] = [];
    const seen = new Set<string>();
    for (const e of errors) {
      // propertyNames reports the inner pattern failure too; the outer error says it better.
      if ((e as ErrorObject & { propertyName?: string }).propertyName !== undefined) continue;
      if (inOwned(e)) continue;
      const p = this.messageFor(e, source);
      if (!p) continue;
      const key = `${p.path}\u0000${p.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(p);
    }
    return out;
  }
}
