import type { PasrPolicy } from '../policy.js';

/** No PASR: every die refreshes its whole array. The baseline of every saving. */
export function nonePolicy(): PasrPolicy {
  return { name: 'none', attach() {} };
}
