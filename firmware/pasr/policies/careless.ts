/**
 * A deliberately unsafe policy: at each suspend it masks the emptiest half of the usable units
 * without emptying them, as a design that trusts free-page counts would. It exists to show that
 * the safety check at self-refresh entry and the integrity check after it catch the loss: its
 * runs report violations and lost pages. It unmasks everything at resume.
 */
import type { PasrPolicy, PolicyContext } from '../policy.js';

export function carelessPolicy(): PasrPolicy {
  let ctx: PolicyContext;
  return {
    name: 'careless',
    attach(c) {
      ctx = c;
    },
    cannotAct() {
      return ctx.map.units.some((u) => u.usable) ? null : 'no usable PASR unit on this board';
    },
    beforeSuspend() {
      const units = ctx.map.units
        .filter((u) => u.usable)
        .map((u) => ({ unit: u.index, live: ctx.census.livePages(u.index) }))
        .sort((a, b) => a.live - b.live || b.unit - a.unit);
      const take = units.slice(0, Math.max(1, Math.floor(units.length / 2)));
      for (const t of take) ctx.core.maskUnchecked(t.unit, 'careless');
      ctx.decide(
        'mask',
        `masked units ${take.map((t) => `${t.unit} (${t.live} live)`).join(', ')} without emptying them`,
      );
    },
    afterResume() {
      ctx.core.unmaskAll('careless');
    },
  };
}
