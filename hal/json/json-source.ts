/**
 * A JSON text with positions: parses with jsonc-parser into a tree, turns every JSON path into a
 * 1-based line/column, and reports syntax errors, duplicate keys and hostile shapes (too large,
 * nested too deeply) as problems instead of throwing. Each kind of file (board config, workload
 * scenario) gives its own limits and the noun its messages use.
 *
 * Invariants:
 *  (a) parse() never throws: any failure of the parser is a problem at a position.
 *  (b) positionOf(path) returns the position of the deepest node on `path` that exists, so a problem
 *      about a missing field points at the object that should hold it.
 *  (c) the plain value handed on (`value`) is built from the same tree the positions come from;
 *  (d) no list or object handed on has more than `maxCollection` entries, and no file more than
 *      `maxValues` values (bounded validator work).
 *
 * The text is already decoded (hal/json/json-text.ts drops a leading UTF-8 byte order mark, so
 * line 1 column 1 is the first character after it); a U+FEFF left in the text is a syntax problem.
 */
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { formatPath, type JsonProblem, type PathSegment } from './json-problem.js';

/** A kind of JSON file: what messages call it, and the limits that keep hostile files cheap to refuse. */
export interface JsonFileKind {
  /** "board file", "scenario file". */
  readonly noun: string;
  /** Largest text accepted, in characters. */
  readonly maxChars: number;
  /** Deepest nesting of objects and arrays. */
  readonly maxNesting: number;
  /** Most entries in one list or object (a schema's own limits are lower; this keeps the validator's work small). */
  readonly maxCollection: number;
  /** Most values (objects, arrays, strings, numbers, ...) in the whole file, when bounded. */
  readonly maxValues?: number;
}

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'invalid symbol (JSON has no NaN, Infinity, undefined, or unquoted words)',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: "expected ':'",
  CommaExpected: "expected ','",
  CloseBraceExpected: "expected '}' (the object is not closed)",
  CloseBracketExpected: "expected ']' (the array is not closed)",
  EndOfFileExpected: 'expected end of file after the top-level value',
  InvalidCommentToken: 'comments are not allowed in a {noun} (plain JSON)',
  UnexpectedEndOfComment: 'comment is not closed',
  UnexpectedEndOfString: 'string is not closed',
  UnexpectedEndOfNumber: 'number is cut short',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in string (control characters must be escaped)',
};

export class JsonSource {
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly text: string,
    readonly root: Node | undefined,
  ) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** 1-based line and column of a character offset. */
  position(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.lineStarts[lo]! + 1 };
  }

  /** The node at `path`, or undefined. */
  nodeAt(path: readonly PathSegment[]): Node | undefined {
    let node = this.root;
    for (const seg of path) {
      if (!node) return undefined;
      node = childOf(node, seg);
    }
    return node;
  }

  /** The key node of the property at `path` (for problems about a key itself, e.g. an unknown field). */
  keyNodeAt(path: readonly PathSegment[]): Node | undefined {
    if (path.length === 0) return undefined;
    const parent = this.nodeAt(path.slice(0, -1));
    const last = path[path.length - 1];
    if (parent?.type !== 'object' || typeof last !== 'string') return undefined;
    const prop = parent.children?.find((p) => p.children?.[0]?.value === last);
    return prop?.children?.[0];
  }

  /** Position of the deepest existing node along `path` (invariant b). */
  positionOf(path: readonly PathSegment[], atKey = false): { line: number; col: number } {
    if (atKey) {
      const k = this.keyNodeAt(path);
      if (k) return this.position(k.offset);
    }
    for (let n = path.length; n >= 0; n--) {
      const node = this.nodeAt(path.slice(0, n));
      if (node) return this.position(node.offset);
    }
    return { line: 1, col: 1 };
  }

  problem(path: readonly PathSegment[], message: string, atKey = false): JsonProblem {
    return { ...this.positionOf(path, atKey), path: formatPath(path), message };
  }
}

function childOf(node: Node, seg: PathSegment): Node | undefined {
  if (node.type === 'array' && typeof seg === 'number') return node.children?.[seg];
  if (node.type === 'object' && typeof seg === 'string') {
    // Last one wins, as in JSON.parse; duplicates are reported separately.
    let found: Node | undefined;
    for (const p of node.children ?? []) if (p.children?.[0]?.value === seg) found = p.children[1];
    return found;
  }
  return undefined;
}

/** Plain JS value of a tree node (objects get a null prototype so keys like __proto__ stay data). */
export function plainValue(node: Node): unknown {
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const p of node.children ?? []) {
        const [k, v] = p.children ?? [];
        if (k && v) out[k.value as string] = plainValue(v);
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(plainValue);
    default:
      return node.value;
  }
}

/** Offset of the first place nesting exceeds `limit`, or -1 (scans outside strings only). */
function tooDeep(text: string, limit: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped char
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > limit) return i;
    } else if (c === 125 || c === 93) depth--;
  }
  return -1;
}

/** U+FEFF: a UTF-8 byte order mark, which belongs only at the very start of a file (decoding drops it there). */
const BYTE_ORDER_MARK = '\uFEFF';

/** Parse a file's text: the source with positions, the plain value, and syntax problems. */
export function parseJsonSource(
  text: string,
  kind: JsonFileKind,
): { source: JsonSource; value: unknown; problems: JsonProblem[] } {
  /** The whole file refused, with one problem at its start. */
  const refused = (source: JsonSource, message: string) => ({
    source,
    value: undefined,
    problems: [{ line: 1, col: 1, path: '$', message }],
  });
  if (text.length > kind.maxChars)
    return refused(
      new JsonSource('', undefined),
      `file is ${text.length} characters; a ${kind.noun} is at most ${kind.maxChars} (is this the right file?)`,
    );
  const deep = tooDeep(text, kind.maxNesting);
  if (deep >= 0) {
    const source = new JsonSource(text, undefined);
    return {
      source,
      value: undefined,
      problems: [{ ...source.position(deep), path: '$', message: `nested more than ${kind.maxNesting} levels deep` }],
    };
  }
  const errors: ParseError[] = [];
  let root: Node | undefined;
  try {
    root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  } catch (e) {
    return refused(new JsonSource(text, undefined), `cannot parse: ${(e as Error).message}`);
  }
  const source = new JsonSource(text, root);
  const problems: JsonProblem[] = [];
  // Only the first syntax error: the parser's recovery makes the later ones echoes of it.
  const e = errors[0];
  if (e) {
    const code = printParseErrorCode(e.error);
    const before = text.slice(0, e.offset).trimEnd();
    const at = text[e.offset];
    const trailing =
      (code === 'ValueExpected' || code === 'PropertyNameExpected') &&
      before.endsWith(',') &&
      (at === ']' || at === '}');
    const message = trailing
      ? `trailing comma before '${at}' (JSON allows none)`
      : at === BYTE_ORDER_MARK
        ? 'a UTF-8 byte order mark (U+FEFF) is allowed only at the very start of the file'
        : (SYNTAX_MESSAGES[code]?.replace('{noun}', kind.noun) ?? code);
    problems.push({
      ...source.position(trailing ? before.length - 1 : e.offset),
      path: '$',
      message: `JSON syntax: ${message}`,
    });
  }
  if (text.trim() === '') problems.splice(0, problems.length, { line: 1, col: 1, path: '$', message: 'file is empty' });
  if (problems.length > 0 || !root) return { source, value: undefined, problems };
  if (kind.maxValues !== undefined) {
    const n = countValues(root);
    if (n > kind.maxValues)
      return refused(
        source,
        `holds ${n} values; a ${kind.noun} holds at most ${kind.maxValues} (is this the right file?)`,
      );
  }
  problems.push(...structureProblems(source, root, [], kind));
  return { source, value: problems.length > 0 ? undefined : plainValue(root), problems };
}

/** Values in a tree: every object, array and scalar (property keys are not counted). */
function countValues(root: Node): number {
  let n = 0;
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'property') {
      if (node.children?.[1]) stack.push(node.children[1]);
      continue;
    }
    n++;
    for (const c of node.children ?? []) stack.push(c);
  }
  return n;
}

/** Duplicate keys, and lists or objects too large to be this kind of file's. */
function structureProblems(source: JsonSource, node: Node, path: PathSegment[], kind: JsonFileKind): JsonProblem[] {
  const out: JsonProblem[] = [];
  const n = node.children?.length ?? 0;
  if ((node.type === 'object' || node.type === 'array') && n > kind.maxCollection) {
    const what = node.type === 'array' ? 'items' : 'entries';
    return [
      {
        ...source.position(node.offset),
        path: formatPath(path),
        message: `has ${n} ${what}; a ${kind.noun} has at most ${kind.maxCollection} in one ${node.type === 'array' ? 'list' : 'object'}`,
      },
    ];
  }
  if (node.type === 'object') {
    const seen = new Map<string, Node>();
    for (const p of node.children ?? []) {
      const [k, v] = p.children ?? [];
      if (!k) continue;
      const key = k.value as string;
      const first = seen.get(key);
      if (first) {
        const at = source.position(first.offset);
        out.push({
          ...source.position(k.offset),
          path: formatPath([...path, key]),
          message: `duplicate key "${key}" (first at line ${at.line})`,
        });
      } else seen.set(key, k);
      if (v) out.push(...structureProblems(source, v, [...path, key], kind));
    }
  } else if (node.type === 'array') {
    for (const [i, c] of (node.children ?? []).entries()) out.push(...structureProblems(source, c, [...path, i], kind));
  }
  return out;
}
