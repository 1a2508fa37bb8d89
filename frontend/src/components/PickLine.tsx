import type { Schemas } from '../api/client';
import { sideLabel } from './GameCard';
import { formatPrice, formatSpread, trimPoint } from '../lib/odds';
import { useOddsFormat } from '../lib/preferences';

// A pick as every list shows it (my picks carry more fields, a profile's the same ones).
type Summary = Schemas['ProfilePick'];

const MARKETS = { h2h: 'Moneyline', spreads: 'Spread', totals: 'Total' } as const;
const RESULTS: Record<string, string> = { won: 'Won', lost: 'Lost', push: 'Push', void: 'Void', pending: 'Pending' };

export function pickLabel(pick: Summary): string {
  return sideLabel(pick, pick.market, pick.selection, pick.point === null ? null : String(pick.point));
}

export function ResultBadge({ status }: { status: string }) {
  return <span className={`badge ${status}`}>{RESULTS[status] ?? status}</span>;
}

/** "Took -3.5 at -110 · closed -4 at -115 · CLV +1.2 pts" */
export function LineTaken({ pick }: { pick: Summary }) {
  const format = useOddsFormat();
  const point = (value: string | number | null | undefined) =>
    value === null || value === undefined
      ? ''
      : pick.market === 'spreads'
        ? `${formatSpread(value)} `
        : `${trimPoint(value)} `;
  const clv = pick.closing_line_value === null ? null : Number(pick.closing_line_value) * 100;
  return (
    <p className="line-taken">
      <span>
        {MARKETS[pick.market]}: took {point(pick.point)}at {formatPrice(pick.price, format)}
      </span>
      {pick.closing_price !== null && (
        <span>
          {' · '}closed {point(pick.closing_point)}at {formatPrice(pick.closing_price, format)}
        </span>
      )}
      {clv !== null && (
        <span className={clv > 0 ? 'positive' : clv < 0 ? 'negative' : undefined}>
          {' · '}CLV {clv > 0 ? '+' : ''}
          {clv.toFixed(1)} pts
        </span>
      )}
    </p>
  );
}
