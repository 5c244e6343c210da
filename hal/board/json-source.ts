/**
 * A JSON text with positions: parses with jsonc-parser into a tree, turns every JSON path into a
 * 1-based line/column, and reports syntax errors, duplicate keys and hostile shapes (too large,
 * nested too deeply) as problems instead of throwing.
 *
 * Invariants:
 *  (a) parse() never throws: any failure of the parser is a problem at a position.
 *  (b) positionOf(path) returns the position of the deepest node on `path` that exists, so a problem
 *      about a missing field points at the object that should hold it.
 *  (c) the plain value handed on (`value`) is built from the same tree the positions come from;
 *  (d) no list or object handed on has more than MAX_BOARD_COLLECTION entries (bounded validator work);
 *  (e) a leading UTF-8 byte order mark is skipped: line 1 column 1 is the first character after it.
 */
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { formatPath, type BoardProblem, type PathSegment } from './board-problem.js';

/** Largest board file accepted (a real board file is 5-20 KiB). */
export const MAX_BOARD_FILE_CHARS = 1 << 20;
/** Deepest nesting accepted (board files nest 7 levels). */
export const MAX_BOARD_NESTING = 64;
/** Most entries in one list or object (the schema's own limits are lower; this keeps the validator's work small). */
export const MAX_BOARD_COLLECTION = 1024;

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
  InvalidCommentToken: 'comments are not allowed in a board file (plain JSON)',
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
    if (!parent || parent.type !== 'object' || typeof last !== 'string') return undefined;
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

  problem(path: readonly PathSegment[], message: string, atKey = false): BoardProblem {
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
export function valueOf(node: Node): unknown {
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const p of node.children ?? []) {
        const [k, v] = p.children ?? [];
        if (k && v) out[k.value as string] = valueOf(v);
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(valueOf);
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

/** U+FEFF at the start of a file: the UTF-8 byte order mark some Windows editors write. */
const BYTE_ORDER_MARK = '\uFEFF';

/**
 * Parse a board file's text: the source with positions, the plain value, and syntax problems.
 * A leading UTF-8 byte order mark is not part of the text: positions count from the character
 * after it, as editors show them.
 */
export function parseJsonSource(withBom: string): { source: JsonSource; value: unknown; problems: BoardProblem[] } {
  const text = withBom.startsWith(BYTE_ORDER_MARK) ? withBom.slice(1) : withBom;
  if (text.length > MAX_BOARD_FILE_CHARS) {
    const source = new JsonSource('', undefined);
    return {
      source,
      value: undefined,
      problems: [
        {
          line: 1,
          col: 1,
          path: '$',
          message: `file is ${text.length} characters; a board file is at most ${MAX_BOARD_FILE_CHARS} (is this the right file?)`,
        },
      ],
    };
  }
  const deep = tooDeep(text, MAX_BOARD_NESTING);
  if (deep >= 0) {
    const source = new JsonSource(text, undefined);
    return {
      source,
      value: undefined,
      problems: [{ ...source.position(deep), path: '$', message: `nested more than ${MAX_BOARD_NESTING} levels deep` }],
    };
  }
  const errors: ParseError[] = [];
  let root: Node | undefined;
  try {
    root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  } catch (e) {
    const source = new JsonSource(text, undefined);
    return {
      source,
      value: undefined,
      problems: [{ line: 1, col: 1, path: '$', message: `cannot parse: ${(e as Error).message}` }],
    };
  }
  const source = new JsonSource(text, root);
  const problems: BoardProblem[] = [];
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
        : (SYNTAX_MESSAGES[code] ?? code);
    problems.push({
      ...source.position(trailing ? before.length - 1 : e.offset),
      path: '$',
      message: `JSON syntax: ${message}`,
    });
  }
  if (text.trim() === '') problems.splice(0, problems.length, { line: 1, col: 1, path: '$', message: 'file is empty' });
  if (problems.length > 0 || !root) return { source, value: undefined, problems };
  problems.push(...structureProblems(source, root, []));
  return { source, value: problems.length > 0 ? undefined : valueOf(root), problems };
}

/** Duplicate keys, and lists or objects too large to be a board file's. */
function structureProblems(source: JsonSource, node: Node, path: PathSegment[]): BoardProblem[] {
  const out: BoardProblem[] = [];
  const n = node.children?.length ?? 0;
  if ((node.type === 'object' || node.type === 'array') && n > MAX_BOARD_COLLECTION) {
    const what = node.type === 'array' ? 'items' : 'entries';
    return [
      {
        ...source.position(node.offset),
        path: formatPath(path),
        message: `has ${n} ${what}; a board file has at most ${MAX_BOARD_COLLECTION} in one ${node.type === 'array' ? 'list' : 'object'}`,
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
      if (v) out.push(...structureProblems(source, v, [...path, key]));
    }
  } else if (node.type === 'array') {
    (node.children ?? []).forEach((c, i) => out.push(...structureProblems(source, c, [...path, i])));
  }
  return out;
}
