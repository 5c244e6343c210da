import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseDts } from '../../../hal/dts/dts-parser.js';
import { cellsOf, DtsError, findPath, regOf, stringsOf, u32Of, type DtsTree } from '../../../hal/dts/dts-tree.js';

const parse = (text: string, include?: Record<string, string>): DtsTree =>
  parseDts(text, 'board.dts', {
    ...(include
      ? {
          include: (name: string) => {
            if (!(name in include)) throw new Error('no such file');
            return { file: name, text: include[name]! };
          },
        }
      : {}),
  });

/** The FILE:LINE:COL message parseDts throws for `text`. */
function errorOf(text: string, include?: Record<string, string>): string {
  try {
    parse(text, include);
  } catch (e) {
    expect(e).toBeInstanceOf(DtsError);
    return (e as Error).message;
  }
  throw new Error('parsed without an error');
}

const node = (t: DtsTree, path: string) => {
  const n = findPath(t.root, path);
  if (!n) throw new Error(`no node ${path}`);
  return n;
};

describe('DTS parser: the language', () => {
  it('reads nodes, unit addresses, string lists, cells and boolean properties', () => {
    const t = parse(`/dts-v1/;
/ {
	#address-cells = <1>;
	#size-cells = <1>;
	memory@80000000 { device_type = "memory"; reg = <0x80000000 0x40000000>; };
	emif { cs1-used; compatible = "ti,emif-4d", "simple"; phy-type = <1>; };
};`);
    expect(regOf(node(t, '/memory@80000000'))).toEqual([{ address: 0x80000000n, size: 0x40000000n }]);
    expect(stringsOf(node(t, '/emif'), 'compatible')).toEqual(['ti,emif-4d', 'simple']);
    expect(node(t, '/emif').properties.get('cs1-used')!.chunks).toEqual([]);
    expect(findPath(t.root, '/memory')).toBe(node(t, '/memory@80000000'));
  });

  it('reads decimal, hex, octal, character literals and C expressions in cells', () => {
    const t = parse(
      `/dts-v1/; / { v = <10 0x1F 010 'A' (1 + 2 * 3) ((1 << 4) | 1) (-1) (7 / 2) (5 > 3 ? 8 : 9) 0x10UL>; };`,
    );
    expect(cellsOf(t.root, 'v')).toEqual([10n, 31n, 8n, 65n, 7n, 17n, 0xffffffffn, 3n, 8n, 16n]);
  });

  it('keeps /bits/ sizes, byte strings and string escapes', () => {
    const t = parse(
      `/dts-v1/; / { a = /bits/ 8 <0x12 0x34>; b = [0a 0B ff], [1234]; c = "tab\\there \\"q\\" \\x41\\101"; };`,
    );
    const a = t.root.properties.get('a')!.chunks[0]!;
    expect(a.kind === 'cells' && a.bits).toBe(8);
    const b = t.root.properties.get('b')!.chunks.map((c) => (c.kind === 'bytes' ? [...c.bytes] : []));
    expect(b).toEqual([
      [0x0a, 0x0b, 0xff],
      [0x12, 0x34],
    ]);
    expect(stringsOf(t.root, 'c')).toEqual(['tab\there "q" AA']);
  });

  it('merges a node defined twice, applies &label overrides and resolves phandles', () => {
    const t = parse(`/dts-v1/;
/ { part: lpddr2 { density = <1024>; io-width = <32>; }; emif { }; };
/ { lpddr2 { density = <2048>; }; };
&part { revision-id = <1 0>; };
&{/emif} { device-handle = <&part>; };`);
    const p = node(t, '/lpddr2');
    expect(u32Of(p, 'density')).toBe(2048);
    expect(u32Of(p, 'io-width')).toBe(32);
    expect(cellsOf(p, 'revision-id')).toEqual([1n, 0n]);
    const handle = node(t, '/emif').properties.get('device-handle')!.chunks[0]!;
    expect(handle.kind === 'cells' && handle.cells[0]).toMatchObject({ label: 'part' });
  });

  it('deletes nodes and properties, and drops /omit-if-no-ref/ nodes nothing refers to', () => {
    const t = parse(`/dts-v1/;
/ { a { x = <1>; y = <2>; }; b { }; c: c { }; /omit-if-no-ref/ d: d { }; /omit-if-no-ref/ e: e { }; user { h = <&e>; }; };
/ { a { /delete-property/ y; }; /delete-node/ b; };
/delete-node/ &c;`);
    expect([...node(t, '/a').properties.keys()]).toEqual(['x']);
    expect(t.root.children.map((c) => c.name)).toEqual(['a', 'e', 'user']);
  });

  it('reads /memreserve/ and /plugin/', () => {
    const t = parse('/dts-v1/; /plugin/; /memreserve/ 0x80000000 0x1000; / { };');
    expect(t.plugin).toBe(true);
    expect(t.memreserve.map((m) => [m.address, m.size])).toEqual([[0x80000000n, 0x1000n]]);
  });

  it('resolves /include/ through the reader and reports positions in the included file', () => {
    const t = parse('/dts-v1/;\n/include/ "part.dtsi"\n/ { b = <2>; };', { 'part.dtsi': '/ { a = <1>; };' });
    expect(cellsOf(t.root, 'a')).toEqual([1n]);
    expect(errorOf('/dts-v1/;\n/include/ "part.dtsi"\n', { 'part.dtsi': '/ {\n  a = <1>\n};' })).toBe(
      "part.dtsi:2:10: missing ';' after the value of property a",
    );
  });

  it('moves reported positions with cpp line markers', () => {
    expect(errorOf('/dts-v1/;\n# 40 "arch/arm/boot/dts/board.dts"\n/ {\n  a = <1>\n};')).toBe(
      "arch/arm/boot/dts/board.dts:41:10: missing ';' after the value of property a",
    );
  });
});

describe('DTS parser: errors name FILE:LINE:COL', () => {
  it('unterminated string', () => {
    expect(errorOf('/dts-v1/;\n/ {\n\tcompatible = "jedec,lpddr4;\n};')).toBe(
      `board.dts:3:15: unterminated string: no closing '"' before the end of the line`,
    );
  });

  it('missing semicolon after a property, after a node', () => {
    expect(errorOf('/dts-v1/;\n/ {\n\tdensity = <8192>\n\tio-width = <16>;\n};')).toBe(
      "board.dts:3:18: missing ';' after the value of property density",
    );
    expect(errorOf('/dts-v1/;\n/ {\n\ta { }\n};')).toBe("board.dts:3:7: missing ';' after '}' closing node /a");
    expect(errorOf('/dts-v1/;\n/ {\n\tcs1-used\n};')).toBe("board.dts:3:10: missing ';' after property cs1-used");
  });

  it('unbalanced braces', () => {
    expect(errorOf('/dts-v1/;\n/ {\n\tlpddr {\n\t\tdensity = <1>;\n};')).toBe(
      "board.dts:2:3: unbalanced braces: '{' of node / is never closed (end of file reached)",
    );
    expect(errorOf('/dts-v1/;\n/ { };\n};')).toBe("board.dts:3:1: unbalanced braces: '}' with no open node");
  });

  it('bad cells', () => {
    expect(errorOf('/dts-v1/; / { io-width = <16x>; };')).toBe('board.dts:1:27: bad cell: "16x" is not a number');
    expect(errorOf('/dts-v1/; / { i = <GIC_SPI 7>; };')).toBe(
      'board.dts:1:20: bad cell: "GIC_SPI" is not a number (a macro? run the file through cpp first)',
    );
    expect(errorOf('/dts-v1/; / { r = <0x100000000>; };')).toBe(
      'board.dts:1:20: bad cell: 0x100000000 does not fit in 32 bits',
    );
    expect(errorOf('/dts-v1/; / { r = <1 2; };')).toBe(
      'board.dts:1:23: bad cell: expected a number, (expression), &reference or \'>\', found ";"',
    );
    expect(errorOf('/dts-v1/; / { r = /bits/ 8 <256>; };')).toBe(
      'board.dts:1:29: bad cell: 0x100 does not fit in 8 bits',
    );
    expect(errorOf('/dts-v1/; / { r = <(1 / 0)>; };')).toBe('board.dts:1:23: division by zero in expression');
  });

  it('refuses C preprocessor directives, with the cpp command to run', () => {
    expect(errorOf('/dts-v1/;\n#include <dt-bindings/gpio/gpio.h>\n/ { };')).toMatch(
      /^board\.dts:2:1: #include is a C preprocessor directive: run the file through cpp first/,
    );
    expect(errorOf('/dts-v1/;\n#define X 1\n')).toMatch(/^board\.dts:2:1: #define is a C preprocessor directive/);
    // '#address-cells' at the start of a line is a property, not a directive.
    expect(() => parse('/dts-v1/;\n/ {\n#address-cells = <1>;\n};')).not.toThrow();
  });

  it('unresolved includes and references, duplicate labels, a missing header', () => {
    expect(errorOf('/dts-v1/;\n/include/ "x.dtsi"', {})).toBe('board.dts:2:1: /include/ "x.dtsi": no such file');
    expect(errorOf('/dts-v1/;\n/include/ "x.dtsi"')).toBe(
      'board.dts:2:1: /include/ "x.dtsi": includes are not resolved here',
    );
    expect(errorOf('/dts-v1/;\n/include/ "x.dtsi"', { 'x.dtsi': '/include/ "x.dtsi"' })).toBe(
      'x.dtsi:1:1: /include/ "x.dtsi": x.dtsi includes itself',
    );
    expect(errorOf('/dts-v1/; / { h = <&nowhere>; };')).toBe('board.dts:1:20: reference to unknown label &nowhere');
    expect(errorOf('/dts-v1/; &nowhere { };')).toBe('board.dts:1:11: reference to unknown label &nowhere');
    expect(errorOf('/dts-v1/; / { l: a { }; l: b { }; };')).toBe('board.dts:1:28: duplicate label l: also on /a');
    expect(errorOf('/ { };')).toBe(
      "board.dts:1:1: missing '/dts-v1/;' at the start of the file (DTS version 1 header)",
    );
    expect(errorOf('/dts-v1/; / { /* never closed ')).toBe(
      'board.dts:1:15: unterminated comment: /* has no closing */',
    );
    expect(errorOf('/dts-v1/; / { a { }; b = <1>; };')).toBe(
      'board.dts:1:22: property b after a subnode of /: properties must come first',
    );
  });

  it('hostile nesting is an error, not a stack overflow', () => {
    expect(errorOf(`/dts-v1/; / { ${'a { '.repeat(100_000)}`)).toBe(
      'board.dts:1:1037: nodes nest deeper than 256 levels',
    );
    expect(errorOf(`/dts-v1/; / { v = <${'('.repeat(100_000)}1>; };`)).toBe(
      'board.dts:1:275: expression nests deeper than 256 levels',
    );
    expect(errorOf(`/dts-v1/; / { v = <(${'-'.repeat(100_000)}1)>; };`)).toMatch(
      /expression nests deeper than 256 levels$/,
    );
  });

  it('any input either parses or gives a DtsError, never another exception', () => {
    const alphabet = fc.constantFrom(...'/{};=<>[]"&:,()#@ab01x-\n\t \\\'*+'.split(''), '/dts-v1/;', '/ {', '};');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), (parts) => {
        try {
          parse(parts.join(''));
        } catch (e) {
          if (!(e instanceof DtsError)) throw e;
          expect(e.message).toMatch(/^board\.dts:\d+:\d+: /);
        }
      }),
      { numRuns: 1500 },
    );
  });
});
