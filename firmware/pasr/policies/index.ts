/**
 * The PASR policies a run can use, by name, with the options each accepts (`--deflate shrinker`,
 * ...). A policy module exports one factory; this table is the only list of them.
 */
import type { PasrPolicy } from '../policy.js';
import { DEFLATE_MODES, balloonPolicy } from './balloon.js';
import { carelessPolicy } from './careless.js';
import { hotplugSuspendPolicy } from './hotplug-suspend.js';
import { hotplugPolicy } from './hotplug.js';
import { nonePolicy } from './none.js';
import { oraclePolicy } from './oracle.js';
import { rfcHooksPolicy } from './rfc-hooks.js';
import { EVACUATE_BELOW, sortedBuddyPolicy } from './sorted-buddy.js';

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
    name: 'hotplug',
    summary:
      'memory hotplug (Qualcomm mem-offline): ZONE_MOVABLE blocks offlined when idle as demand allows, units masked, onlined on pressure',
    options: {
      'offline-timeout': ['7s', '100ms', '1s', '20s', '120s'],
      order: ['cheapest', 'top-down'],
      'kernel-blocks': ['skip', 'try'],
      knob: ['follow', 'ignore'],
      oom: ['online', 'none'],
      holdoff: ['5m', '0s', '1m', '30m'],
      evict: ['migrate', 'drop-clean'],
    },
    create: hotplugPolicy,
  },
  {
    name: 'hotplug-suspend',
    summary:
      'memory hotplug around every suspend (Samsung exynos_pasr): ZONE_MOVABLE blocks offlined, onlined at resume',
    options: { 'offline-timeout': ['7s', '100ms', '1s', '20s', '120s'], 'kernel-blocks': ['skip', 'try'] },
    create: hotplugSuspendPolicy,
  },
  {
    name: 'sorted-buddy',
    summary:
      'region-sorted free lists fill PASR units from the bottom; sparse high units are evacuated and empty ones masked until an allocation needs them',
    options: { 'evacuate-below': EVACUATE_BELOW, 'clean-cache': ['drop', 'migrate'], bias: ['aggressive', 'none'] },
    create: sortedBuddyPolicy,
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
  {
    name: 'rfc-hooks',
    summary:
      'the 2012 PASR RFC: buddy-allocator hooks count free max-order blocks per section, mask a section when 100 % free, unmask on allocation',
    options: { mask: ['immediate', 'suspend'] },
    create: rfcHooksPolicy,
  },
];

/**
 * Every option any policy takes, with a help line naming the policies and their values (the
 * first value is the default): the command line derives its policy options from this.
 */
export function policyOptionList(): { name: string; help: string }[] {
  const by = new Map<string, string[]>();
  for (const p of POLICIES) {
    for (const [name, values] of Object.entries(p.options)) {
      const list = by.get(name) ?? [];
      list.push(`${p.name}: ${values[0]} (default), ${values.slice(1).join(', ')}`);
      by.set(name, list);
    }
  }
  return [...by].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([name, helps]) => ({ name, help: helps.join('; ') }));
}

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
