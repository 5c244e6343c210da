/**
 * A devicetree as parsed from DTS source: nodes with labels and properties, each with the place in
 * the source it was (last) defined, so later stages can name FILE:LINE:COL in their messages.
 *
 * Property values keep the chunks the source wrote them in (strings, cell arrays with their /bits/
 * size, byte strings, path references); phandle references inside cells stay references and are
 * resolved against the tree's labels. Few nodes exist per file, so plain objects and Maps are fine.
 */

/** A place in a source file (1-based line and column). */
export interface DtsPos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** An error in DTS input: syntax, a bad value or a binding rule broken, with the place it is at. */
export class DtsError extends Error {
  constructor(
    readonly pos: DtsPos,
    readonly detail: string,
  ) {
    super(`${pos.file}:${pos.line}:${pos.col}: ${detail}`);
    this.name = 'DtsError';
  }
}

/** `&label` or `&{/path}`. */
export interface DtsRef {
  readonly label?: string;
  readonly path?: string;
  readonly at: DtsPos;
}

export type DtsCell = bigint | DtsRef;

export type DtsChunk =
  | { readonly kind: 'string'; readonly value: string; readonly at: DtsPos }
  | { readonly kind: 'cells'; readonly bits: 8 | 16 | 32 | 64; readonly cells: readonly DtsCell[]; readonly at: DtsPos }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array; readonly at: DtsPos }
  | { readonly kind: 'ref'; readonly ref: DtsRef; readonly at: DtsPos };

export interface DtsProperty {
  readonly name: string;
  /** Empty for a boolean property (`cs1-used;`). */
  readonly chunks: readonly DtsChunk[];
  readonly at: DtsPos;
}

export interface DtsNode {
  /** Full node name with unit address (`rank@0`); '' for the root. */
  readonly name: string;
  parent: DtsNode | undefined;
  labels: string[];
  readonly properties: Map<string, DtsProperty>;
  readonly children: DtsNode[];
  /** Where the node was first defined. */
  at: DtsPos;
  /** Marked /omit-if-no-ref/: dropped at the end of parsing unless something refers to it. */
  omitIfNoRef: boolean;
}

export interface DtsTree {
  readonly root: DtsNode;
  /** /memreserve/ entries: [address, size]. */
  readonly memreserve: readonly { readonly address: bigint; readonly size: bigint; readonly at: DtsPos }[];
  /** Whether the source declared /plugin/ (an overlay). */
  readonly plugin: boolean;
}

export function newNode(name: string, parent: DtsNode | undefined, at: DtsPos): DtsNode {
  return { name, parent, labels: [], properties: new Map(), children: [], at, omitIfNoRef: false };
}

/** `/lpddr-channel0/rank@1`; `/` for the root. */
export function pathOf(node: DtsNode): string {
  const parts: string[] = [];
  for (let n: DtsNode | undefined = node; n?.parent; n = n.parent) parts.unshift(n.name);
  return '/' + parts.join('/');
}

/** Node name without its unit address. */
export function baseName(node: DtsNode): string {
  const at = node.name.indexOf('@');
  return at < 0 ? node.name : node.name.slice(0, at);
}

/** Every node of the tree, parents before children, in source order. */
export function allNodes(root: DtsNode): DtsNode[] {
  const out: DtsNode[] = [];
  const walk = (n: DtsNode): void => {
    out.push(n);
    for (const c of n.children) walk(c);
  };
  walk(root);
  return out;
}

/** The node at an absolute path (`/memory@80000000`); a path component without `@` also matches a unique `name@addr`. */
export function findPath(root: DtsNode, path: string): DtsNode | undefined {
  if (!path.startsWith('/')) return undefined;
  let node: DtsNode | undefined = root;
  for (const part of path.split('/').filter((p) => p.length > 0)) {
    const exact: DtsNode | undefined = node.children.find((c) => c.name === part);
    if (exact) {
      node = exact;
      continue;
    }
    const loose: DtsNode[] = part.includes('@') ? [] : node.children.filter((c) => baseName(c) === part);
    if (loose.length !== 1) return undefined;
    node = loose[0]!;
  }
  return node;
}

/** The node a label names. */
export function findLabel(root: DtsNode, label: string): DtsNode | undefined {
  return allNodes(root).find((n) => n.labels.includes(label));
}

/** The node a reference names, or a DtsError at the reference. */
export function resolveRef(root: DtsNode, ref: DtsRef): DtsNode {
  const node = ref.label !== undefined ? findLabel(root, ref.label) : findPath(root, ref.path ?? '');
  if (!node) {
    throw new DtsError(
      ref.at,
      ref.label !== undefined ? `reference to unknown label &${ref.label}` : `reference to unknown node &{${ref.path}}`,
    );
  }
  return node;
}

// ---------------------------------------------------------------------------------------------
// Property values
// ---------------------------------------------------------------------------------------------

function describe(p: DtsProperty): string {
  if (p.chunks.length === 0) return 'an empty (boolean) property';
  return p.chunks
    .map((c) =>
      c.kind === 'string'
        ? JSON.stringify(c.value)
        : c.kind === 'cells'
          ? `<${c.cells.map((x) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : `&${x.label ?? `{${x.path}}`}`)).join(' ')}>`
          : c.kind === 'bytes'
            ? `[${[...c.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')}]`
            : `&${c.ref.label ?? `{${c.ref.path}}`}`,
    )
    .join(', ');
}

function fail(node: DtsNode, p: DtsProperty, want: string): never {
  throw new DtsError(p.at, `${pathOf(node)}: ${p.name} must be ${want}, got ${describe(p)}`);
}

/** The 32-bit cells of a property (`<1 2>, <3>` gives [1, 2, 3]); a DtsError for anything else. */
export function cellsOf(node: DtsNode, name: string, what = 'one or more 32-bit cells <...>'): bigint[] {
  const p = node.properties.get(name);
  if (!p) throw new DtsError(node.at, `${pathOf(node)}: missing property ${name}`);
  const out: bigint[] = [];
  for (const c of p.chunks) {
    if (c.kind !== 'cells' || c.bits !== 32) fail(node, p, what);
    for (const x of c.cells) {
      if (typeof x !== 'bigint') fail(node, p, what);
      out.push(x);
    }
  }
  if (out.length === 0) fail(node, p, what);
  return out;
}

/** A property of exactly one 32-bit cell, as a number. */
export function u32Of(node: DtsNode, name: string): number {
  const cells = cellsOf(node, name, 'one 32-bit cell <N>');
  if (cells.length !== 1) fail(node, node.properties.get(name)!, 'one 32-bit cell <N>');
  return Number(cells[0]);
}

/** The string list of a property (`"a", "b"`). */
export function stringsOf(node: DtsNode, name: string): string[] {
  const p = node.properties.get(name);
  if (!p) throw new DtsError(node.at, `${pathOf(node)}: missing property ${name}`);
  const out: string[] = [];
  for (const c of p.chunks) {
    if (c.kind !== 'string') fail(node, p, 'a list of strings');
    out.push(c.value);
  }
  if (out.length === 0) fail(node, p, 'a list of strings');
  return out;
}

/** `compatible` of a node, or [] when it has none. */
export function compatibleOf(node: DtsNode): string[] {
  return node.properties.has('compatible') ? stringsOf(node, 'compatible') : [];
}

/** The node a single-phandle property (`device-handle = <&label>`) points to. */
export function phandleOf(root: DtsNode, node: DtsNode, name: string): DtsNode {
  const p = node.properties.get(name);
  if (!p) throw new DtsError(node.at, `${pathOf(node)}: missing property ${name}`);
  const c = p.chunks[0];
  if (p.chunks.length !== 1 || c?.kind !== 'cells' || c.cells.length !== 1 || typeof c.cells[0] === 'bigint')
    fail(node, p, 'one phandle <&label>');
  return resolveRef(root, c.cells[0] as DtsRef);
}

/** `#address-cells` / `#size-cells` a node gives its children (devicetree defaults 2 and 1). */
export function cellCounts(node: DtsNode): { address: number; size: number } {
  const get = (name: string, dflt: number): number => {
    if (!node.properties.has(name)) return dflt;
    const v = u32Of(node, name);
    if (v > 2) throw new DtsError(node.properties.get(name)!.at, `${pathOf(node)}: ${name} = <${v}> is above 2`);
    return v;
  };
  return { address: get('#address-cells', 2), size: get('#size-cells', 1) };
}

/** `reg` as (address, size) pairs, using the parent's #address-cells and #size-cells. */
export function regOf(node: DtsNode): { address: bigint; size: bigint }[] {
  const { address, size } = cellCounts(node.parent ?? node);
  const cells = cellsOf(node, 'reg');
  const per = address + size;
  if (per === 0 || cells.length % per !== 0) {
    throw new DtsError(
      node.properties.get('reg')!.at,
      `${pathOf(node)}: reg has ${cells.length} cells, not a multiple of #address-cells ${address} + #size-cells ${size} of ${pathOf(node.parent ?? node)}`,
    );
  }
  const join = (xs: bigint[]): bigint => xs.reduce((acc, x) => (acc << 32n) | x, 0n);
  const out: { address: bigint; size: bigint }[] = [];
  for (let i = 0; i < cells.length; i += per) {
    out.push({ address: join(cells.slice(i, i + address)), size: join(cells.slice(i + address, i + per)) });
  }
  return out;
}
