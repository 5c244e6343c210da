import { describe, expect, it } from 'vitest';
import type { PolicyInfo } from '../../firmware/pasr/policies/index.js';
import { nonePolicy } from '../../firmware/pasr/policies/none.js';
import { cellFileName, fileNameOf, gridVariants, splitList } from '../../cli/compare/grid.js';
import { CliError } from '../../cli/errors.js';

/** A policy table like the project's, with a one-option and a many-option policy. */
const TABLE: PolicyInfo[] = [
  { name: 'none', summary: '', options: {}, create: nonePolicy },
  { name: 'oracle', summary: '', options: {}, create: nonePolicy },
  { name: 'balloon', summary: '', options: { deflate: ['shrinker', 'oom', 'psi'] }, create: nonePolicy },
  {
    name: 'hotplug',
    summary: '',
    options: {
      'offline-timeout': ['7s', '1s'],
      order: ['cheapest', 'top-down'],
      oom: ['online', 'none'],
      holdoff: ['5m', '7s'],
    },
    create: nonePolicy,
  },
];

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof CliError) return `${e.exitCode}: ${e.message}`;
    throw e;
  }
  throw new Error('not refused');
}

describe('the policy variants of a sweep', () => {
  it('runs every policy but none by default, a policy with one option once per value of it', () => {
    expect(gridVariants(undefined, TABLE)).toEqual([
      { name: 'oracle', policy: 'oracle', options: {} },
      { name: 'balloon:shrinker', policy: 'balloon', options: { deflate: 'shrinker' } },
      { name: 'balloon:oom', policy: 'balloon', options: { deflate: 'oom' } },
      { name: 'balloon:psi', policy: 'balloon', options: { deflate: 'psi' } },
      { name: 'hotplug', policy: 'hotplug', options: {} },
    ]);
  });

  it('takes variants by value, by option=value, and several settings joined by +', () => {
    expect(gridVariants('none,balloon:oom,hotplug:1s,hotplug:offline-timeout=1s+order=top-down', TABLE)).toEqual([
      { name: 'none', policy: 'none', options: {} },
      { name: 'balloon:oom', policy: 'balloon', options: { deflate: 'oom' } },
      { name: 'hotplug:1s', policy: 'hotplug', options: { 'offline-timeout': '1s' } },
      {
        name: 'hotplug:offline-timeout=1s+order=top-down',
        policy: 'hotplug',
        options: { 'offline-timeout': '1s', order: 'top-down' },
      },
    ]);
  });

  it('refuses unknown, ambiguous and repeated variants, naming what is allowed', () => {
    expect(refusal(() => gridVariants('balloon:fast', TABLE))).toBe(
      '2: --policies balloon:fast: "fast" is no value of an option of balloon (deflate: shrinker, oom, psi)',
    );
    expect(refusal(() => gridVariants('hotplug:7s', TABLE))).toBe(
      '2: --policies hotplug:7s: 7s is a value of offline-timeout and holdoff: write hotplug:OPTION=7s',
    );
    expect(refusal(() => gridVariants('hotplug:speed=1', TABLE))).toBe(
      '2: --policies hotplug:speed=1: policy hotplug has no option "speed" (options: offline-timeout, order, oom, holdoff)',
    );
    expect(refusal(() => gridVariants('hotplug:order=random', TABLE))).toBe(
      '2: --policies hotplug:order=random: order "random" is not one of cheapest, top-down',
    );
    expect(refusal(() => gridVariants('hotplug:1s+offline-timeout=7s', TABLE))).toBe(
      '2: --policies hotplug:1s+offline-timeout=7s: offline-timeout is given twice',
    );
    expect(refusal(() => gridVariants('balloon:oom,balloon:deflate=oom', TABLE))).toBe(
      '2: --policies: balloon:oom and balloon:deflate=oom are the same policy variant',
    );
    expect(refusal(() => gridVariants('oracle:x', TABLE))).toBe(
      '2: --policies oracle:x: "x" is no value of an option of oracle (it takes no option)',
    );
  });
});

describe('lists and file names', () => {
  it('splits a comma-separated list, refusing empty and repeated items', () => {
    expect(splitList(' a, b ,c', '--boards')).toEqual(['a', 'b', 'c']);
    expect(refusal(() => splitList('a,', '--boards'))).toBe(
      '2: --boards "a,": an empty item (give names separated by commas)',
    );
    expect(refusal(() => splitList('a,b,a', '--boards'))).toBe('2: --boards: a is listed twice');
  });

  it('gives each cell its own file name, whatever its names hold', () => {
    expect(cellFileName({ board: 'snowball', workload: 'example-nap', policy: 'balloon:oom', seed: 2 })).toBe(
      'snowball+example-nap+balloon%3Aoom+s2.json',
    );
    expect(fileNameOf(['a+b', 'c'])).not.toBe(fileNameOf(['a', 'b+c']));
    expect(fileNameOf(['../x', 'y'])).toBe('..%2Fx+y.json');
  });
});
