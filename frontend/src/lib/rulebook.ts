// The grading rulebook (docs/grading.md) for one pick, used to explain results; the server's grading is the truth.
import { profitCents } from './odds';

export type Market = 'h2h' | 'spreads' | 'totals';
export type Selection = 'home' | 'away' | 'over' | 'under';
export type Result = 'won' | 'lost' | 'push';

/** Grade one pick against a final score. */
export function grade(
  pick: { market: Market; selection: Selection; point: number | null },
  score: { home: number; away: number },
): Result {
  const compare = (a: number, b: number): Result => (a > b ? 'won' : a < b ? 'lost' : 'push');
  const mine = pick.selection === 'home' ? score.home : score.away;
  const theirs = pick.selection === 'home' ? score.away : score.home;
  switch (pick.market) {
    case 'h2h':
      return compare(mine, theirs);
    case 'spreads':
      return compare(mine + (pick.point ?? 0), theirs);
    case 'totals': {
      const total = score.home + score.away;
      return pick.selection === 'over' ? compare(total, pick.point ?? 0) : compare(pick.point ?? 0, total);
    }
  }
}

/** Units a graded pick earns, in hundredths: the profit on a win, minus the stake on a loss, 0 on a push. */
export function resultCents(result: Result, price: number, stakeCents: number): number {
  if (result === 'won') return profitCents(price, stakeCents);
  return result === 'lost' ? -stakeCents : 0;
}
