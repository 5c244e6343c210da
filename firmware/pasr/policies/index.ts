/**
 * The PASR policies a run can use, by name, with the options each accepts (`--deflate shrinker`,
 * ...). A policy module exports one factory; this table is the only list of them.
 */
import type { PasrPolicy } from '../policy.js';
import { DEFLATE_MODES, balloonPolicy } from './balloon.js';
import { carelessPolicy } from './careless.js';
import { nonePolicy } from './none.js';
import { oraclePolicy } from './oracle.js';

export interface PolicyInfo {
  readonly name: string;
  readonly summary: string;
  /** Option name -> allowed values (first = default). */
  readonly options: Readonly<Record<string, readonly string[]>>;
  readonly create: (options: Readonly<Record<string, string>>) => PasrPolicy;
}

export const POLICIES: readonly PolicyInfo[] = [
  { name: 'none', summary: 'no PASR: the baseline of every saving', options: {}, create: nonePolicy },
  {
    name: 'oracle',
    summary: 'the bound: live pages packed into as few units as unmovable pages allow, at no cost',
    options: {},
    create: oraclePolicy,
  },
  {
    name: 'balloon',
    summary:
      'Mel Gorman’s design: a governor inflates a balloon over whole units when idle and unpressed (alloc_contig_range), masks them, and deflates them on pressure',
    options: { deflate: DEFLATE_MODES },
    create: balloonPolicy,
  },
  {
    name: 'careless',
    summary: 'unsafe on purpose: masks the emptiest units without emptying them (the checker catches it)',
    options: {},
    create: carelessPolicy,
  },
];

export function policyInfo(name: string): PolicyInfo | undefined {
  return POLICIES.find((p) => p.name === name);
}

/**
 * Create a policy by name with its options, filling defaults; throws a clear error for an
 * unknown policy, an option it does not take or a value it does not know.
 */
export function createPolicy(name: string, options: Readonly<Record<string, string | undefined>> = {}): PasrPolicy {
  const info = policyInfo(name);
  if (info === undefined)
    throw new Error(`unknown policy '${name}' (policies: ${POLICIES.map((p) => p.name).join(', ')})`);
  const resolved: Record<string, string> = {};
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) continue;
    const allowed = info.options[k];
    if (allowed === undefined) throw new Error(`policy ${name} takes no option --${k}`);
    if (!allowed.includes(v)) throw new Error(`policy ${name}: --${k} ${v} is not one of ${allowed.join(', ')}`);
    resolved[k] = v;
  }
  for (const [k, allowed] of Object.entries(info.options)) resolved[k] ??= allowed[0]!;
  const policy = info.create(resolved);
  policy.options = resolved;
  return policy;
}
