import { useParams } from 'react-router';

import type { Schemas } from '../api/client';
import { useConsensus, useGame, useRules } from '../api/queries';
import { BetSlip } from '../components/BetSlip';
import { GameCard, matchup, sideLabel } from '../components/GameCard';
import { ShareBar } from '../components/ShareBar';
import { Failure, Loading } from '../components/Status';
import { formatUnits } from '../lib/odds';
import { formatDateTime } from '../lib/time';

const MARKETS = { h2h: 'Moneyline', spreads: 'Spread', totals: 'Total' } as const;

function ConsensusBars({ game, consensus }: { game: Schemas['GamePublic']; consensus: Schemas['GameConsensus'] }) {
  return (
    <div className="consensus">
      {consensus.markets.map((market) => (
        <section key={market.market} aria-labelledby={`consensus-${market.market}`}>
          <h3 id={`consensus-${market.market}`}>
            {MARKETS[market.market]} <span className="muted small">({market.picks} picks)</span>
          </h3>
          {market.sides.map((side) => {
            const line = game.markets
              .find((m) => m.market === market.market)
              ?.outcomes.find((o) => o.selection === side.selection);
            const point = line?.point === null || line?.point === undefined ? null : String(line.point);
            const name = sideLabel(game, market.market, side.selection, point);
            const share = side.pick_share === null ? 0 : Number(side.pick_share);
            const label = `${name}: ${Math.round(share * 100)}% of picks, ${formatUnits(side.units, { signed: false })} units staked`;
            return <ShareBar key={side.selection} name={name} share={share} label={label} />;
          })}
        </section>
      ))}
    </div>
  );
}

export function GamePage() {
  const id = Number(useParams().id);
  const game = useGame(id);
  const consensus = useConsensus(id);
  const rules = useRules();
  if (game.isPending) return <Loading what="the game" />;
  if (game.isError) return <Failure error={game.error} retry={() => void game.refetch()} />;
  const g = game.data;
  const final = g.home_score !== null && g.away_score !== null;
  return (
    <div className="with-slip">
      <section aria-labelledby="game-title" className="game-page">
        <h1 id="game-title">{matchup(g)}</h1>
        <p className="muted">
          {g.sport_title ?? g.sport_key} · {formatDateTime(g.commence_time)}
        </p>
        <p className="game-status">
          Status:{' '}
          <strong>
            {g.void_reason
              ? `void (${g.void_reason})`
              : final
                ? 'final'
                : g.started
                  ? 'started, picks closed'
                  : 'open for picks'}
          </strong>
          {final && (
            <>
              {' · '}
              {g.away_team} {g.away_score}, {g.home_team} {g.home_score}
            </>
          )}
        </p>
        {/* After tip-off the card still shows the last line, locked. */}
        {g.markets.length > 0 && <GameCard game={g} defaultStake={rules.data?.stake.min ?? '1'} />}
        <h2>How players picked</h2>
        {consensus.isPending ? (
          <Loading what="the consensus" />
        ) : consensus.isError ? (
          <Failure error={consensus.error} retry={() => void consensus.refetch()} />
        ) : consensus.data.picks === 0 ? (
          <p className="muted">No picks on this game yet.</p>
        ) : (
          <ConsensusBars game={g} consensus={consensus.data} />
        )}
      </section>
      <BetSlip />
    </div>
  );
}
