import type { BoardConfig, DieConfig, DramPart, DramStandard } from '../board/board-config.js';
import { formatBytes } from '../address-map/check.js';
import { hex, hexBytes } from '../bits.js';
import { vendorPrefixOf } from './lpddr-topology.js';

/**
 * The devicetree nodes that describe a board's LPDDR memory, after the Linux bindings
 * (jedec,lpddr-channel.yaml, jedec,lpddr2/3/4/5.yaml): one jedec,lpddrN-channel node per
 * controller (per channel of a controller that lists channels) with io-width = the data width of
 * one die, one rank@N node per die with compatible, density, io-width and revision-id
 * (manufacturer-id too on LPDDR3, whose binding has it), and the memory node.
 *
 * A part is written as "vendor,PART" when its name is one the bindings list (elpida,ECB240ABACN,
 * elpida,B8132B2PB-6D-F, samsung,K3QF2F20DB) and its MR5 is that vendor's; otherwise as the
 * generated "lpddrX-YY,ZZZZ" (YY = MR5, ZZZZ = MR6 MR7). Channel nodes carry the controller id as
 * their label (`emif1`, or `ddrc_cha` for channel a of ddrc), which from-dts reads back.
 */

/** Part compatibles the bindings enumerate, by standard family. */
const LISTED_PARTS: Readonly<Record<string, readonly string[]>> = {
  '2': ['elpida,ECB240ABACN', 'elpida,B8132B2PB-6D-F'],
  '3': ['samsung,K3QF2F20DB'],
};

function familyOf(standard: DramStandard): string {
  return standard.startsWith('LPDDR2') ? '2' : standard.slice(5, 6);
}

function jedecCompatible(standard: DramStandard): string {
  if (standard === 'LPDDR2-S4') return 'jedec,lpddr2-s4';
  if (standard === 'LPDDR2-S2') return 'jedec,lpddr2-s2';
  return `jedec,lpddr${familyOf(standard)}`;
}

/** The part's own compatible (first entry). */
export function partCompatible(standard: DramStandard, part: DramPart): string {
  const fam = familyOf(standard);
  const vendor = vendorPrefixOf(part.mr5);
  if (vendor && part.name.startsWith(`${vendor}-`)) {
    const named = `${vendor},${part.name.slice(vendor.length + 1)}`;
    if ((LISTED_PARTS[fam] ?? []).includes(named)) return named;
  }
  return `lpddr${fam}-${hexBytes([part.mr5])},${hexBytes([part.mr6])}${hexBytes([part.mr7])}`;
}

const label = (s: string): string => s.replace(/[^A-Za-z0-9_]/g, '_');

function cells(values: readonly number[], wide: boolean): string {
  const out: string[] = [];
  for (const v of values) {
    if (wide) out.push(`0x${Math.floor(v / 2 ** 32).toString(16)}`);
    out.push(`0x${(v % 2 ** 32).toString(16)}`);
  }
  return `<${out.join(' ')}>`;
}

/** DTS source (a complete /dts-v1/ file) for the board's LPDDR nodes; `source` names the config in the header. */
export function boardToDts(board: BoardConfig, source: string): string {
  const std = board.standard;
  const fam = familyOf(std);
  const wide = board.dramBase + board.dramSize > 2 ** 32;
  const L: string[] = [];
  const dieCount = board.dies.length;
  L.push('/dts-v1/;');
  L.push('');
  L.push('/*');
  L.push(
    ` * ${board.name}: ${std}, ${formatBytes(board.dramSize)} at 0x${board.dramBase.toString(16)}, ${dieCount} die${dieCount > 1 ? 's' : ''}`,
  );
  L.push(` * (pasr boards to-dts ${source}).`);
  L.push(' * Channel labels name the controllers (X, or X_ch<x> for channel x of X): pasr boards from-dts');
  L.push(' * reads them back as controller ids.');
  if (std === 'LPDDR4X')
    L.push(' * The bindings have no LPDDR4X compatible: read this back with pasr boards from-dts --standard LPDDR4X.');
  L.push(' */');
  L.push('/ {');
  L.push(`\t#address-cells = <${wide ? 2 : 1}>;`);
  L.push(`\t#size-cells = <${wide ? 2 : 1}>;`);
  L.push('');
  L.push(`\tmemory@${board.dramBase.toString(16)} {`);
  L.push('\t\tdevice_type = "memory";');
  L.push(`\t\treg = ${cells([board.dramBase, board.dramSize], wide)};`);
  L.push('\t};');
  let k = 0;
  for (const c of board.controllers) {
    const channels = c.channels ?? [];
    const groups: [string | undefined, DieConfig[]][] =
      channels.length > 0
        ? channels.map((ch) => [ch, c.dies.filter((d) => d.channel === ch)])
        : [[undefined, [...c.dies]]];
    const width = (c.busWidth ?? 32) / Math.max(1, channels.length);
    for (const [ch, dies] of groups) {
      if (dies.length === 0) continue;
      L.push('');
      L.push(`\t${label(c.id)}${ch !== undefined ? `_ch${ch}` : ''}: lpddr-channel${k++} {`);
      L.push(`\t\tcompatible = "jedec,lpddr${fam}-channel";`);
      L.push('\t\t#address-cells = <1>;');
      L.push('\t\t#size-cells = <0>;');
      L.push(`\t\tio-width = <${width}>;`);
      for (const d of [...dies].sort((a, b) => a.rank - b.rank)) {
        const p = d.part;
        L.push('');
        L.push(`\t\trank@${d.rank} {`);
        L.push(`\t\t\tcompatible = "${partCompatible(std, p)}", "${jedecCompatible(std)}";`);
        L.push(`\t\t\treg = <${d.rank}>;`);
        if (fam === '3') {
          L.push('\t\t\t#address-cells = <1>;');
          L.push('\t\t\t#size-cells = <0>;');
        }
        L.push(`\t\t\tdensity = <${p.densityMbit}>;`);
        L.push(`\t\t\tio-width = <${p.ioWidth}>;`);
        if (fam === '3') L.push(`\t\t\tmanufacturer-id = <${hex(p.mr5, 2)}>;`);
        L.push(`\t\t\trevision-id = <${hex(p.mr6, 2)} ${hex(p.mr7, 2)}>;`);
        L.push('\t\t};');
      }
      L.push('\t};');
    }
  }
  L.push('};');
  return L.join('\n') + '\n';
}
