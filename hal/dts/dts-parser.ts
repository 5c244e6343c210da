import {
  allNodes,
  DtsError,
  newNode,
  pathOf,
  resolveRef,
  type DtsCell,
  type DtsChunk,
  type DtsNode,
  type DtsPos,
  type DtsRef,
  type DtsTree,
} from './dts-tree.js';

/**
 * Recursive-descent parser for devicetree source (the language dtc reads), after dtc's grammar
 * (scripts/dtc/dtc-parser.y, dtc-lexer.l):
 *
 *   file      = header+ memreserve* ( '/' body | '&' ref body | '/delete-node/' ref ';'
 *               | '/omit-if-no-ref/' ref ';' | label ':' ... )*
 *   header    = '/dts-v1/' ';' | '/plugin/' ';'
 *   body      = '{' ( property )* ( subnode )* '}' ';'
 *   property  = label* name ( '=' value ( ',' value )* )? ';' | '/delete-property/' name ';'
 *   subnode   = label* name body | '/delete-node/' name ';' | '/omit-if-no-ref/' subnode
 *   value     = "string" | '<' ( int | '&' ref | label ':' )* '>' | '/bits/' n '<' ... '>'
 *               | '[' hex bytes ']' | '&' ref
 *   int       = literal (0x.., 0.., decimal, 'c' char) | '(' C integer expression ')'
 *
 * The scanner is driven by the parser (names, numbers and byte strings are read only where the
 * grammar expects them), so node names like `rank@0` and `#address-cells` need no lexer modes.
 * `/include/ "file"` is resolved through the injected reader; C preprocessor directives
 * (`#include`, `#define`, ...) are refused with a hint, and cpp line markers (`# 12 "x.dts"`) move
 * the reported position to the original file and line.
 *
 * Invariants: parseDts either returns a tree whose every phandle/path reference resolves and whose
 * labels are unique, or throws one DtsError naming FILE:LINE:COL; it never reads a file itself and
 * always terminates (every loop consumes input or throws; includes nest at most MAX_INCLUDE_DEPTH).
 */

/** Reads an included file: `name` as written, `from` the including file. Returns its path (for messages) and text. */
export type IncludeReader = (name: string, from: string) => { file: string; text: string };

export interface ParseOptions {
  /** Resolves `/include/`; without one, /include/ is an error. */
  readonly include?: IncludeReader;
}

const MAX_INCLUDE_DEPTH = 32;
/** Node and expression nesting limits: deeper input is hostile, and would overflow the stack. */
const MAX_DEPTH = 256;
const NAME_CHAR = /[a-zA-Z0-9,._+*#?@-]/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const CPP_DIRECTIVE =
  /^#\s*(include|define|undef|if|ifdef|ifndef|elif|else|endif|error|warning|pragma|line)(?=\s|$|[<"])/;

interface Marker {
  /** Physical line (1-based) from which this marker applies. */
  readonly physLine: number;
  readonly file: string;
  /** Reported line number of physLine. */
  readonly line: number;
}

/** One source text being scanned, with its cpp line markers. */
class Source {
  i = 0;
  private readonly lineStarts: number[] = [0];
  readonly markers: Marker[];
  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) === 10) this.lineStarts.push(k + 1);
    this.markers = [{ physLine: 1, file, line: 1 }];
  }
  /** 0-based physical line of a text index. */
  lineIndex(index: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  pos(index: number): DtsPos {
    const lo = this.lineIndex(index);
    const phys = lo + 1;
    let m = this.markers[0]!;
    for (const x of this.markers) if (x.physLine <= phys) m = x;
    return { file: m.file, line: m.line + (phys - m.physLine), col: index - this.lineStarts[lo]! + 1 };
  }
  atLineStart(index: number): boolean {
    for (let k = index - 1; k >= 0; k--) {
      const ch = this.text[k]!;
      if (ch === '\n') return true;
      if (ch !== ' ' && ch !== '\t') return false;
    }
    return true;
  }
}

const describeChar = (ch: string | undefined): string => (ch === undefined ? 'end of file' : JSON.stringify(ch));

class Parser {
  private readonly stack: Source[] = [];
  private src: Source;
  /** End of the last token read: where a missing ';' belongs. */
  private lastEnd: DtsPos;
  private readonly refs: DtsRef[] = [];
  private depth = 0;
  readonly memreserve: { address: bigint; size: bigint; at: DtsPos }[] = [];
  plugin = false;

  constructor(
    file: string,
    text: string,
    private readonly options: ParseOptions,
  ) {
    this.src = new Source(file, text);
    this.lastEnd = this.src.pos(0);
  }

  // -------------------------------------------------------------------------------------------
  // Scanning
  // -------------------------------------------------------------------------------------------

  private here(): DtsPos {
    return this.src.pos(this.src.i);
  }

  private error(at: DtsPos, message: string): never {
    throw new DtsError(at, message);
  }

  /** Skip whitespace, comments, cpp line markers and /include/; pop finished includes. */
  private skip(): void {
    for (;;) {
      const s = this.src;
      const t = s.text;
      const ch = t[s.i];
      if (ch === undefined) {
        const outer = this.stack.pop();
        if (!outer) return;
        this.src = outer;
        continue;
      }
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v') {
        s.i++;
        continue;
      }
      if (ch === '/' && t[s.i + 1] === '/') {
        while (s.i < t.length && t[s.i] !== '\n') s.i++;
        continue;
      }
      if (ch === '/' && t[s.i + 1] === '*') {
        const end = t.indexOf('*/', s.i + 2);
        if (end < 0) this.error(s.pos(s.i), 'unterminated comment: /* has no closing */');
        s.i = end + 2;
        continue;
      }
      if (ch === '#' && s.atLineStart(s.i)) {
        const rest = t.slice(s.i, t.indexOf('\n', s.i) < 0 ? t.length : t.indexOf('\n', s.i));
        const marker = /^#\s*(?:line\s+)?(\d+)\s+"((?:[^"\\]|\\.)*)"/.exec(rest);
        if (marker) {
          // The marker names the line that follows it.
          s.markers.push({
            physLine: s.lineIndex(s.i) + 2,
            file: marker[2]!.replace(/\\(.)/g, '$1'),
            line: Number(marker[1]),
          });
          s.i += rest.length;
          continue;
        }
        const directive = CPP_DIRECTIVE.exec(rest);
        if (directive) {
          this.error(
            s.pos(s.i),
            `#${directive[1]} is a C preprocessor directive: run the file through cpp first ` +
              `(cpp -nostdinc -undef -x assembler-with-cpp -I include FILE), or use /include/ "file" for plain DTS includes`,
          );
        }
      }
      if (ch === '/' && t.startsWith('/include/', s.i)) {
        this.includeDirective();
        continue;
      }
      return;
    }
  }

  private includeDirective(): void {
    const at = this.here();
    this.src.i += '/include/'.length;
    this.skip();
    if (this.peek() !== '"') this.error(this.here(), '/include/ needs a file name in double quotes');
    const name = this.readString().value;
    const reader = this.options.include;
    if (!reader) this.error(at, `/include/ "${name}": includes are not resolved here`);
    if (this.stack.length >= MAX_INCLUDE_DEPTH)
      this.error(at, `/include/ "${name}": includes nest deeper than ${MAX_INCLUDE_DEPTH} (a file including itself?)`);
    let inc: { file: string; text: string };
    try {
      inc = reader(name, at.file);
    } catch (e) {
      this.error(at, `/include/ "${name}": ${(e as Error).message}`);
    }
    if ([...this.stack, this.src].some((s) => s.file === inc.file))
      this.error(at, `/include/ "${name}": ${inc.file} includes itself`);
    this.stack.push(this.src);
    this.src = new Source(inc.file, inc.text);
  }

  private peek(offset = 0): string | undefined {
    return this.src.text[this.src.i + offset];
  }

  private startsWith(s: string): boolean {
    return this.src.text.startsWith(s, this.src.i);
  }

  private advance(n: number): void {
    this.src.i += n;
    this.lastEnd = this.here();
  }

  /** Next significant character (after trivia). */
  private next(): string | undefined {
    this.skip();
    return this.peek();
  }

  private expect(ch: string, what: string): void {
    this.skip();
    if (this.peek() !== ch) {
      if (ch === ';') this.error(this.lastEnd, `missing ';' ${what}`);
      this.error(this.here(), `expected '${ch}' ${what}, found ${describeChar(this.peek())}`);
    }
    this.advance(1);
  }

  /** A keyword like /dts-v1/ at the cursor (after trivia), or undefined. */
  private keyword(): string | undefined {
    this.skip();
    const m = /^\/[a-z][a-z0-9-]*\//.exec(this.src.text.slice(this.src.i, this.src.i + 24));
    return m?.[0];
  }

  private readName(what: string): { name: string; at: DtsPos } {
    this.skip();
    const at = this.here();
    const t = this.src.text;
    let j = this.src.i;
    while (j < t.length && NAME_CHAR.test(t[j]!)) j++;
    if (j === this.src.i) this.error(at, `expected ${what}, found ${describeChar(t[j])}`);
    const name = t.slice(this.src.i, j);
    this.advance(j - this.src.i);
    return { name, at };
  }

  /** `name:` at the cursor: consume and return the label, else undefined (cursor unchanged). */
  private label(): string | undefined {
    this.skip();
    const t = this.src.text;
    let j = this.src.i;
    while (j < t.length && /[a-zA-Z0-9_]/.test(t[j]!)) j++;
    if (j === this.src.i || t[j] !== ':') return undefined;
    const name = t.slice(this.src.i, j);
    if (!LABEL_RE.test(name))
      this.error(this.here(), `bad label ${JSON.stringify(name)}: labels start with a letter or '_'`);
    this.advance(j + 1 - this.src.i);
    return name;
  }

  private labels(): string[] {
    const out: string[] = [];
    for (let l = this.label(); l !== undefined; l = this.label()) out.push(l);
    return out;
  }

  private readString(): { value: string; at: DtsPos } {
    const at = this.here();
    const t = this.src.text;
    let j = this.src.i + 1;
    let value = '';
    for (;;) {
      const ch = t[j];
      if (ch === undefined || ch === '\n')
        this.error(at, "unterminated string: no closing '\"' before the end of the line");
      if (ch === '"') break;
      if (ch === '\\') {
        const { text, length } = this.escape(j, at);
        value += text;
        j += length;
        continue;
      }
      value += ch;
      j++;
    }
    this.advance(j + 1 - this.src.i);
    return { value, at };
  }

  /** The escape sequence at index j (at the backslash). */
  private escape(j: number, at: DtsPos): { text: string; length: number } {
    const t = this.src.text;
    const c = t[j + 1];
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      a: '\x07',
      b: '\b',
      f: '\f',
      v: '\v',
      '\\': '\\',
      '"': '"',
      "'": "'",
    };
    if (c !== undefined && simple[c] !== undefined) return { text: simple[c]!, length: 2 };
    const hex = /^x([0-9a-fA-F]{1,2})/.exec(t.slice(j + 1, j + 4));
    if (hex) return { text: String.fromCharCode(parseInt(hex[1]!, 16)), length: 1 + hex[0].length };
    const oct = /^[0-7]{1,3}/.exec(t.slice(j + 1, j + 4));
    if (oct) return { text: String.fromCharCode(parseInt(oct[0], 8) & 0xff), length: 1 + oct[0].length };
    if (c === undefined || c === '\n')
      this.error(at, "unterminated string: no closing '\"' before the end of the line");
    return { text: c, length: 2 };
  }

  // -------------------------------------------------------------------------------------------
  // Grammar
  // -------------------------------------------------------------------------------------------

  parse(): DtsTree {
    const rootAt = this.here();
    const root = newNode('', undefined, rootAt);
    let headers = 0;
    for (;;) {
      const kw = this.keyword();
      if (kw === '/dts-v1/') {
        this.advance(kw.length);
        this.expect(';', "after '/dts-v1/'");
        headers++;
      } else if (kw === '/plugin/') {
        this.advance(kw.length);
        this.expect(';', "after '/plugin/'");
        this.plugin = true;
      } else break;
    }
    if (headers === 0) {
      this.skip();
      this.error(this.here(), "missing '/dts-v1/;' at the start of the file (DTS version 1 header)");
    }
    for (;;) {
      this.labels();
      if (this.keyword() !== '/memreserve/') break;
      const at = this.here();
      this.advance('/memreserve/'.length);
      const address = this.integerPrim();
      const size = this.integerPrim();
      this.expect(';', 'after /memreserve/ address and size');
      this.memreserve.push({ address, size, at });
    }
    for (;;) {
      const ch = this.next();
      if (ch === undefined) break;
      const labels = this.labels();
      const kw = this.keyword();
      if (kw === '/delete-node/' || kw === '/omit-if-no-ref/') {
        const at = this.here();
        this.advance(kw.length);
        if (this.next() !== '&') this.error(this.here(), `expected &label or &{/path} after ${kw} at the top level`);
        const ref = this.reference();
        this.expect(';', `after ${kw} &reference`);
        const node = resolveRef(root, ref);
        if (kw === '/delete-node/') {
          if (!node.parent) this.error(at, '/delete-node/ cannot delete the root node');
          node.parent.children.splice(node.parent.children.indexOf(node), 1);
        } else node.omitIfNoRef = true;
        continue;
      }
      if (kw !== undefined) this.error(this.here(), `unexpected ${kw} here`);
      const c = this.next();
      if (c === '/') {
        this.advance(1);
        root.labels.push(...labels);
        this.body(root);
      } else if (c === '&') {
        const ref = this.reference();
        const node = resolveRef(root, ref);
        node.labels.push(...labels);
        this.body(node);
      } else if (c === '}') {
        this.error(this.here(), "unbalanced braces: '}' with no open node");
      } else {
        this.error(
          this.here(),
          `expected a root node '/ {', a node reference '&label {' or the end of the file, found ${describeChar(c)}`,
        );
      }
    }
    this.finish(root);
    return { root, memreserve: this.memreserve, plugin: this.plugin };
  }

  /** `{ properties subnodes };` merged into `node`. */
  private body(node: DtsNode): void {
    this.skip();
    const open = this.here();
    if (++this.depth > MAX_DEPTH) this.error(open, `nodes nest deeper than ${MAX_DEPTH} levels`);
    if (this.peek() !== '{')
      this.error(open, `expected '{' to open node ${pathOf(node)}, found ${describeChar(this.peek())}`);
    this.advance(1);
    let sawSubnode = false;
    for (;;) {
      const ch = this.next();
      if (ch === undefined)
        this.error(open, `unbalanced braces: '{' of node ${pathOf(node)} is never closed (end of file reached)`);
      if (ch === '}') {
        this.advance(1);
        this.expect(';', `after '}' closing node ${pathOf(node)}`);
        this.depth--;
        return;
      }
      const labels = this.labels();
      const kw = this.keyword();
      if (kw === '/delete-property/') {
        this.advance(kw.length);
        const { name } = this.readName('a property name after /delete-property/');
        this.expect(';', `after /delete-property/ ${name}`);
        node.properties.delete(name);
        continue;
      }
      if (kw === '/delete-node/') {
        this.advance(kw.length);
        const { name } = this.readName('a node name after /delete-node/');
        this.expect(';', `after /delete-node/ ${name}`);
        const k = node.children.findIndex((c) => c.name === name);
        if (k >= 0) node.children.splice(k, 1);
        continue;
      }
      let omit = false;
      if (kw === '/omit-if-no-ref/') {
        this.advance(kw.length);
        omit = true;
        labels.push(...this.labels());
      } else if (kw !== undefined) this.error(this.here(), `unexpected ${kw} inside node ${pathOf(node)}`);
      const { name, at } = this.readName(`a property or node name in ${pathOf(node)}`);
      const after = this.next();
      if (after === '{') {
        sawSubnode = true;
        let child = node.children.find((c) => c.name === name);
        if (!child) {
          child = newNode(name, node, at);
          node.children.push(child);
        }
        for (const l of labels) if (!child.labels.includes(l)) child.labels.push(l);
        if (omit) child.omitIfNoRef = true;
        this.body(child);
        continue;
      }
      if (omit) this.error(at, `/omit-if-no-ref/ applies to nodes, but ${name} is a property`);
      if (sawSubnode) this.error(at, `property ${name} after a subnode of ${pathOf(node)}: properties must come first`);
      if (after === '=') {
        this.advance(1);
        const chunks = this.values(name);
        this.expect(';', `after the value of property ${name}`);
        node.properties.set(name, { name, chunks, at });
      } else if (after === ';') {
        this.advance(1);
        node.properties.set(name, { name, chunks: [], at });
      } else if (after === undefined || /[a-zA-Z0-9,._+*#?@&/-]/.test(after) || after === '}') {
        this.error(this.lastEnd, `missing ';' after property ${name}`);
      } else {
        this.error(this.here(), `expected '=', ';' or '{' after ${name}, found ${describeChar(after)}`);
      }
    }
  }

  /** value (',' value)*, with labels allowed between. */
  private values(prop: string): DtsChunk[] {
    const out: DtsChunk[] = [];
    for (;;) {
      this.labels();
      out.push(this.value(prop));
      this.labels();
      if (this.next() !== ',') return out;
      this.advance(1);
    }
  }

  private value(prop: string): DtsChunk {
    const ch = this.next();
    const at = this.here();
    if (ch === '"') {
      const s = this.readString();
      return { kind: 'string', value: s.value, at };
    }
    if (ch === '<') return this.cells(32, at);
    if (ch === '[') return this.bytes(at);
    if (ch === '&') return { kind: 'ref', ref: this.reference(), at };
    const kw = this.keyword();
    if (kw === '/bits/') {
      this.advance(kw.length);
      this.skip();
      const nAt = this.here();
      const n = this.integerPrim();
      if (n !== 8n && n !== 16n && n !== 32n && n !== 64n) this.error(nAt, `/bits/ must be 8, 16, 32 or 64, got ${n}`);
      if (this.next() !== '<') this.error(this.here(), `expected '<' after /bits/ ${n}`);
      return this.cells(Number(n) as 8 | 16 | 32 | 64, at);
    }
    if (kw === '/incbin/') this.error(at, `/incbin/ is not supported (property ${prop}): give the bytes as [..]`);
    this.error(
      at,
      `bad value for property ${prop}: expected "string", <cells>, [bytes] or &reference, found ${describeChar(ch)}`,
    );
  }

  private cells(bits: 8 | 16 | 32 | 64, at: DtsPos): DtsChunk {
    this.advance(1); // '<'
    const cells: DtsCell[] = [];
    for (;;) {
      const ch = this.next();
      if (ch === '>') {
        this.advance(1);
        return { kind: 'cells', bits, cells, at };
      }
      if (ch === undefined || ch === ';' || ch === '}' || ch === '<')
        this.error(
          this.here(),
          `bad cell: expected a number, (expression), &reference or '>', found ${describeChar(ch)}`,
        );
      if (ch === '&') {
        if (bits !== 32) this.error(this.here(), `bad cell: a &reference needs 32-bit cells, not /bits/ ${bits}`);
        cells.push(this.reference());
        continue;
      }
      if (this.label() !== undefined) continue;
      const cellAt = this.here();
      const v = this.integerPrim();
      const max = (1n << BigInt(bits)) - 1n;
      // As dtc: a value whose bits above the cell are all ones is a negative number, truncated.
      const negative = bits < 64 && v >> BigInt(bits) === (1n << BigInt(64 - bits)) - 1n;
      if (v > max && !negative) this.error(cellAt, `bad cell: 0x${v.toString(16)} does not fit in ${bits} bits`);
      cells.push(v & max);
    }
  }

  private bytes(at: DtsPos): DtsChunk {
    this.advance(1); // '['
    const out: number[] = [];
    for (;;) {
      const ch = this.next();
      if (ch === ']') {
        this.advance(1);
        return { kind: 'bytes', bytes: Uint8Array.from(out), at };
      }
      if (this.label() !== undefined) continue;
      const t = this.src.text;
      let j = this.src.i;
      while (j < t.length && /[0-9a-fA-F]/.test(t[j]!)) j++;
      const digits = t.slice(this.src.i, j);
      if (digits.length === 0)
        this.error(this.here(), `bad byte string: expected hex digits or ']', found ${describeChar(ch)}`);
      if (digits.length % 2 !== 0)
        this.error(
          this.here(),
          `bad byte string: ${digits} has an odd number of hex digits (bytes are two digits each)`,
        );
      for (let k = 0; k < digits.length; k += 2) out.push(parseInt(digits.slice(k, k + 2), 16));
      this.advance(j - this.src.i);
    }
  }

  /** `&label` or `&{/path}` at the cursor. */
  private reference(): DtsRef {
    this.skip();
    const at = this.here();
    this.advance(1); // '&'
    let ref: DtsRef;
    if (this.peek() === '{') {
      const end = this.src.text.indexOf('}', this.src.i);
      const nl = this.src.text.indexOf('\n', this.src.i);
      if (end < 0 || (nl >= 0 && nl < end)) this.error(at, "bad reference: &{ has no closing '}'");
      const path = this.src.text.slice(this.src.i + 1, end);
      if (!path.startsWith('/')) this.error(at, `bad reference &{${path}}: a path starts with '/'`);
      this.advance(end + 1 - this.src.i);
      ref = { path, at };
    } else {
      const t = this.src.text;
      let j = this.src.i;
      while (j < t.length && /[a-zA-Z0-9_]/.test(t[j]!)) j++;
      const label = t.slice(this.src.i, j);
      if (!LABEL_RE.test(label))
        this.error(at, `bad reference: expected a label after '&', found ${describeChar(t[this.src.i])}`);
      this.advance(j - this.src.i);
      ref = { label, at };
    }
    this.refs.push(ref);
    return ref;
  }

  // -------------------------------------------------------------------------------------------
  // Integers: literals and C expressions in parentheses, 64-bit unsigned arithmetic as dtc's.
  // -------------------------------------------------------------------------------------------

  private integerPrim(): bigint {
    const ch = this.next();
    const at = this.here();
    if (ch === '(') {
      if (++this.depth > MAX_DEPTH) this.error(at, `expression nests deeper than ${MAX_DEPTH} levels`);
      this.advance(1);
      const v = this.expr();
      this.expect(')', 'to close the expression');
      this.depth--;
      return v;
    }
    if (ch === "'") return this.charLiteral(at);
    const t = this.src.text;
    let j = this.src.i;
    while (j < t.length && /[a-zA-Z0-9_]/.test(t[j]!)) j++;
    const word = t.slice(this.src.i, j);
    const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)(?:[uU]?[lL]{0,2}|[lL]{1,2}[uU])$/.exec(word);
    if (!m) {
      if (word.length === 0) this.error(at, `bad cell: expected a number, found ${describeChar(ch)}`);
      const macro = /^[A-Za-z_]/.test(word) ? ' (a macro? run the file through cpp first)' : '';
      this.error(at, `bad cell: ${JSON.stringify(word)} is not a number${macro}`);
    }
    this.advance(j - this.src.i);
    const lit = m[1]!;
    const v =
      lit.length > 1 && lit[0] === '0' && (lit[1] === 'x' || lit[1] === 'X')
        ? BigInt(lit)
        : lit.length > 1 && lit[0] === '0'
          ? BigInt('0o' + lit.slice(1))
          : BigInt(lit);
    if (v >= 1n << 64n) this.error(at, `bad cell: ${word} does not fit in 64 bits`);
    return v;
  }

  private charLiteral(at: DtsPos): bigint {
    const t = this.src.text;
    let j = this.src.i + 1;
    let code: number;
    if (t[j] === '\\') {
      const e = this.escape(j, at);
      code = e.text.charCodeAt(0);
      j += e.length;
    } else {
      if (t[j] === undefined || t[j] === "'" || t[j] === '\n') this.error(at, 'bad character literal');
      code = t.charCodeAt(j);
      j++;
    }
    if (t[j] !== "'") this.error(at, "bad character literal: expected a closing '");
    this.advance(j + 1 - this.src.i);
    return BigInt(code);
  }

  private static readonly MASK = (1n << 64n) - 1n;

  private expr(): bigint {
    const cond = this.binary(0);
    if (this.next() !== '?') return cond;
    this.advance(1);
    const a = this.expr();
    this.expect(':', "in '? :' expression");
    const b = this.expr();
    return cond !== 0n ? a : b;
  }

  private static readonly LEVELS: readonly (readonly string[])[] = [
    ['||'],
    ['&&'],
    ['|'],
    ['^'],
    ['&'],
    ['==', '!='],
    ['<=', '>=', '<', '>'],
    ['<<', '>>'],
    ['+', '-'],
    ['*', '/', '%'],
  ];

  private operator(level: number): string | undefined {
    this.skip();
    for (const op of Parser.LEVELS[level]!) {
      if (!this.startsWith(op)) continue;
      // '|' is not '||', '&' is not '&&', '<' is not '<<' or '<='.
      const longer = Parser.LEVELS.flat().some((o) => o.length > op.length && o.startsWith(op) && this.startsWith(o));
      if (!longer) return op;
    }
    return undefined;
  }

  private binary(level: number): bigint {
    if (level === Parser.LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (let op = this.operator(level); op !== undefined; op = this.operator(level)) {
      const at = this.here();
      this.advance(op.length);
      const right = this.binary(level + 1);
      left = this.apply(op, left, right, at);
    }
    return left;
  }

  private apply(op: string, a: bigint, b: bigint, at: DtsPos): bigint {
    const M = Parser.MASK;
    switch (op) {
      case '||':
        return a !== 0n || b !== 0n ? 1n : 0n;
      case '&&':
        return a !== 0n && b !== 0n ? 1n : 0n;
      case '|':
        return a | b;
      case '^':
        return a ^ b;
      case '&':
        return a & b;
      case '==':
        return a === b ? 1n : 0n;
      case '!=':
        return a !== b ? 1n : 0n;
      case '<':
        return a < b ? 1n : 0n;
      case '>':
        return a > b ? 1n : 0n;
      case '<=':
        return a <= b ? 1n : 0n;
      case '>=':
        return a >= b ? 1n : 0n;
      case '<<':
        return b >= 64n ? 0n : (a << b) & M;
      case '>>':
        return b >= 64n ? 0n : a >> b;
      case '+':
        return (a + b) & M;
      case '-':
        return (a - b) & M;
      case '*':
        return (a * b) & M;
      case '/':
      case '%':
        if (b === 0n) this.error(at, 'division by zero in expression');
        return op === '/' ? a / b : a % b;
      default:
        return this.error(at, `unknown operator ${op}`);
    }
  }

  private unary(): bigint {
    const ch = this.next();
    if (ch === '-' || ch === '~' || ch === '!') {
      if (++this.depth > MAX_DEPTH) this.error(this.here(), `expression nests deeper than ${MAX_DEPTH} levels`);
      this.advance(1);
      const v = this.unary();
      this.depth--;
      return ch === '-' ? -v & Parser.MASK : ch === '~' ? ~v & Parser.MASK : v === 0n ? 1n : 0n;
    }
    return this.integerPrim();
  }

  // -------------------------------------------------------------------------------------------
  // Whole-tree rules
  // -------------------------------------------------------------------------------------------

  private finish(root: DtsNode): void {
    // /omit-if-no-ref/ nodes that nothing refers to are dropped (before references are checked).
    const referenced = new Set<DtsNode>();
    for (const r of this.refs) {
      try {
        referenced.add(resolveRef(root, r));
      } catch {
        // reported below
      }
    }
    for (const n of allNodes(root)) {
      if (n.omitIfNoRef && !referenced.has(n) && n.parent) n.parent.children.splice(n.parent.children.indexOf(n), 1);
    }
    const live = new Set(allNodes(root));
    const owner = new Map<string, DtsNode>();
    for (const n of live) {
      for (const l of n.labels) {
        const o = owner.get(l);
        if (o && o !== n) this.error(n.at, `duplicate label ${l}: also on ${pathOf(o)}`);
        owner.set(l, n);
      }
    }
    for (const n of live) {
      for (const p of n.properties.values()) {
        for (const c of p.chunks) {
          const refs =
            c.kind === 'ref' ? [c.ref] : c.kind === 'cells' ? c.cells.filter((x) => typeof x !== 'bigint') : [];
          for (const r of refs as DtsRef[]) {
            const target = resolveRef(root, r);
            if (!live.has(target)) this.error(r.at, `reference to a deleted node ${pathOf(target)}`);
          }
        }
      }
    }
  }
}

/** Parse DTS source text (`file` names it in messages). Throws DtsError. */
export function parseDts(text: string, file: string, options: ParseOptions = {}): DtsTree {
  return new Parser(file, text, options).parse();
}
