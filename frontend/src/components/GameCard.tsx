import { Link } from 'react-router';

import type { Game } from '../api/client';
import { formatPrice, formatSpread, trimPoint } from '../lib/odds';
import { useOddsFormat } from '../lib/preferences';
import type { Market, Selection } from '../lib/rulebook';
import { sameSide, slip, type SlipPick, useSlip } from '../lib/slip';
import { countdown, formatTime, useNow } from '../lib/time';

const MARKET_NAMES: Record<Market, string> = { h2h: 'moneyline', spreads: 'spread', totals: 'total' };

export function matchup(game: Pick<Game, 'home_team' | 'away_team'>): string {
  return `${game.away_team} at ${game.home_team}`;
}

/** The side's name as a pick reads: "Boston Celtics -3.5", "Over 221.5", "Boston Celtics". */
export function sideLabel(
  game: Pick<Game, 'home_team' | 'away_team'>,
  market: Market,
  selection: Selection,
  point: string | null,
): string {
  if (market === 'totals') return `${selection === 'over' ? 'Over' : 'Under'} ${trimPoint(point ?? 0)}`;
  const team = selection === 'home' ? game.home_team : game.away_team;
  return market === 'spreads' && point !== null ? `${team} ${formatSpread(point)}` : team;
}

export function slipPickFor(game: Game, market: Market, selection: Selection): SlipPick | null {
  const line = game.markets.find((m) => m.market === market)?.outcomes.find((o) => o.selection === selection);
  if (!line) return null;
  const point = line.point === null || line.point === undefined ? null : String(line.point);
  return {
    gameId: game.id,
    market,
    selection,
    point,
    price: line.price,
    stake: '',
    label: sideLabel(game, market, selection, point),
    matchup: matchup(game),
    commenceTime: game.commence_time,
  };
}

export function MarketButton({
  game,
  market,
  selection,
  locked,
  defaultStake,
}: {
  game: Game;
  market: Market;
  selection: Selection;
  locked: boolean;
  defaultStake: string;
}) {
  const format = useOddsFormat();
  const picks = useSlip();
  const pick = slipPickFor(game, market, selection);
  if (!pick) return <span className="market-empty">—</span>;
  const chosen = picks.some((p) => sameSide(p, pick));
  const price = formatPrice(pick.price, format);
  const team = selection === 'home' ? game.home_team : game.away_team;
  // The name is the content: what is shown, plus hidden words that make it a sentence for a screen reader
  // ("Boston Celtics -3.5 spread at -110", "Over 221.5 total at -105").
  return (
    <button
      type="button"
      className="market"
      aria-pressed={chosen}
      disabled={locked}
      onClick={() => slip.toggle({ ...pick, stake: defaultStake })}
    >
      {market === 'spreads' && (
        <span className="point">
          <span className="visually-hidden">{team}</span> {formatSpread(pick.point ?? 0)}
        </span>
      )}
      {market === 'totals' && (
        <span className="point">
          <span aria-hidden="true">{selection === 'over' ? 'O' : 'U'}</span>
          <span className="visually-hidden">{selection === 'over' ? 'Over' : 'Under'}</span>{' '}
          {trimPoint(pick.point ?? 0)}
        </span>
      )}
      {market !== 'h2h' && ' '}
      <span className="visually-hidden">
        {market === 'h2h' ? `${team} ` : ''}
        {MARKET_NAMES[market]} at
      </span>{' '}
      <span className="price">{price}</span>
    </button>
  );
}

export function GameCard({ game, defaultStake }: { game: Game; defaultStake: string }) {
  const now = useNow();
  const tip = Date.parse(game.commence_time);
  const left = countdown(tip, now);
  const locked = left === null;
  const headingId = `game-${game.id}-title`;
  return (
    <article className={`game-card${locked ? ' locked' : ''}`} aria-labelledby={headingId} data-game-id={game.id}>
      <header>
        <h3 id={headingId}>
          <Link to={`/games/${game.id}`}>{matchup(game)}</Link>
        </h3>
        <p className="tip">
          <time dateTime={game.commence_time}>{formatTime(game.commence_time)}</time>
          {locked ? (
            <strong className="lock-badge">Locked: game started</strong>
          ) : (
            <span className="countdown">
              starts in <span className="clock">{left}</span>
            </span>
          )}
        </p>
      </header>
      <table className="lines">
        <caption className="visually-hidden">Lines for {matchup(game)}</caption>
        <thead>
          <tr>
            <th scope="col">Team</th>
            <th scope="col">Spread</th>
            <th scope="col">Total</th>
            <th scope="col">Moneyline</th>
          </tr>
        </thead>
        <tbody>
          {(['away', 'home'] as const).map((side) => (
            <tr key={side}>
              <th scope="row">{side === 'home' ? game.home_team : game.away_team}</th>
              <td>
                <MarketButton
                  game={game}
                  market="spreads"
                  selection={side}
                  locked={locked}
                  defaultStake={defaultStake}
                />
              </td>
              <td>
                <MarketButton
                  game={game}
                  market="totals"
                  selection={side === 'away' ? 'over' : 'under'}
                  locked={locked}
                  defaultStake={defaultStake}
                />
              </td>
              <td>
                <MarketButton game={game} market="h2h" selection={side} locked={locked} defaultStake={defaultStake} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}
