// The bet slip: picks chosen on the board, each with its own stake, kept in localStorage so it survives a reload and
// an expired sign-in. The maths here (risk, potential win) follows docs/grading.md to the cent.
import { useSyncExternalStore } from 'react';

import { formatCents, profitCents, toCents } from './odds';
import type { Market, Selection } from './rulebook';

export interface SlipPick {
  gameId: number;
  market: Market;
  selection: Selection;
  point: string | null;
  price: number;
  stake: string;
  label: string; // "Boston Celtics -3.5", "Over 221.5"
  matchup: string; // "New York Knicks at Boston Celtics"
  commenceTime: string;
}

export interface StakeRules {
  min: string;
  max: string;
  step: string;
}

const KEY = 'pickvs.slip';
const listeners = new Set<() => void>();
let picks: SlipPick[] = load();

function load(): SlipPick[] {
  try {
    const raw = localStorage.getItem(KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(parsed) ? (parsed as SlipPick[]) : [];
  } catch {
    return [];
  }
}

function save(next: SlipPick[]): void {
  picks = next;
  localStorage.setItem(KEY, JSON.stringify(next));
  listeners.forEach((l) => l());
}

export const sameSide = (a: Pick<SlipPick, 'gameId' | 'market' | 'selection'>, b: typeof a) =>
  a.gameId === b.gameId && a.market === b.market && a.selection === b.selection;

export const slip = {
  get: (): SlipPick[] => picks,
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  /** Add the side, or take it off when it is already on the slip; another side of the same market replaces it. */
  toggle(pick: SlipPick): void {
    if (picks.some((p) => sameSide(p, pick))) {
      save(picks.filter((p) => !sameSide(p, pick)));
      return;
    }
    const others = picks.filter((p) => !(p.gameId === pick.gameId && p.market === pick.market));
    save([...others, pick]);
  },
  remove(pick: SlipPick): void {
    save(picks.filter((p) => !sameSide(p, pick)));
  },
  setStake(pick: SlipPick, stake: string): void {
    save(picks.map((p) => (sameSide(p, pick) ? { ...p, stake } : p)));
  },
  /** Take the line the API now offers (after `line_moved`). */
  acceptLine(pick: SlipPick, line: { price: number; point: string | null }): void {
    save(
      picks.map((p) =>
        sameSide(p, pick) ? { ...p, price: line.price, point: line.point, label: relabel(p, line.point) } : p,
      ),
    );
  },
  clear(): void {
    save([]);
  },
  /** Test hook: read localStorage again, as a fresh page load would. */
  reload(): void {
    picks = load();
  },
};

function relabel(pick: SlipPick, point: string | null): string {
  if (pick.point === null || point === null) return pick.label;
  const name = pick.label.slice(0, pick.label.lastIndexOf(' '));
  const value = Number(point);
  const shown =
    pick.market === 'spreads' ? (value > 0 ? `+${value}` : value === 0 ? 'PK' : String(value)) : String(value);
  return `${name} ${shown}`;
}

export function useSlip(): SlipPick[] {
  return useSyncExternalStore(slip.subscribe, slip.get);
}

/** Why a stake is not accepted under the rules, or null when it is. */
export function stakeProblem(stake: string, rules: StakeRules): string | null {
  const cents = toCents(stake);
  const [min, max, step] = [toCents(rules.min), toCents(rules.max), toCents(rules.step)] as [number, number, number];
  if (cents === null || cents <= 0) return 'Enter a stake in units.';
  if (cents < min || cents > max) return `Stake ${formatCents(min)}–${formatCents(max)} units.`;
  if (cents % step !== 0) return `Stake in steps of ${formatCents(step)} units.`;
  return null;
}

export interface PickMaths {
  riskCents: number;
  winCents: number;
}

/** What one pick risks and would win, in hundredths; null while its stake is not a valid amount. */
export function pickMaths(pick: Pick<SlipPick, 'price' | 'stake'>): PickMaths | null {
  const stake = toCents(pick.stake);
  if (stake === null || stake <= 0) return null;
  return { riskCents: stake, winCents: profitCents(pick.price, stake) };
}

/** The slip's total risk and potential win over the picks whose stakes are valid. */
export function slipTotals(list: Pick<SlipPick, 'price' | 'stake'>[]): PickMaths {
  return list.reduce<PickMaths>(
    (sum, pick) => {
      const maths = pickMaths(pick);
      return maths ? { riskCents: sum.riskCents + maths.riskCents, winCents: sum.winCents + maths.winCents } : sum;
    },
    { riskCents: 0, winCents: 0 },
  );
}
