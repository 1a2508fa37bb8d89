import { useEffect } from 'react';
import { useLocation, useSearchParams } from 'react-router';

import type { Game } from '../api/client';
import { useBoard, useRules } from '../api/queries';
import { BetSlip } from '../components/BetSlip';
import { GameCard } from '../components/GameCard';
import { Empty, Failure, Loading } from '../components/Status';
import { dayHeading, localDay, useNow } from '../lib/time';

function groupByDay(games: Game[]): [string, Game[]][] {
  const days = new Map<string, Game[]>();
  for (const game of games) {
    const day = localDay(game.commence_time);
    days.set(day, [...(days.get(day) ?? []), game]);
  }
  return [...days.entries()];
}

export function BoardPage() {
  const board = useBoard();
  const rules = useRules();
  const now = useNow();
  const [params, setParams] = useSearchParams();
  const sport = params.get('sport');
  const games = board.data?.games ?? [];
  const sports = [...new Map(games.map((g) => [g.sport_key, g.sport_title ?? g.sport_key])).entries()];
  const shown = sport ? games.filter((g) => g.sport_key === sport) : games;
  const defaultStake = rules.data?.stake.min ?? '1';
  const { hash } = useLocation();

  useEffect(() => {
    // The header's "Slip" link: on a phone the slip sits below the board, so bring it into view.
    if (hash === '#slip') document.getElementById('slip')?.scrollIntoView();
  }, [hash]);

  return (
    <div className="with-slip">
      <section aria-labelledby="board-title" className="board">
        <h1 id="board-title">Today's board</h1>
        <div className="sport-tabs" role="group" aria-label="Sport">
          <button type="button" aria-pressed={!sport} onClick={() => setParams({})}>
            All sports
          </button>
          {sports.map(([key, title]) => (
            <button key={key} type="button" aria-pressed={sport === key} onClick={() => setParams({ sport: key })}>
              {title}
            </button>
          ))}
        </div>
        {board.isPending ? (
          <Loading what="the board" />
        ) : board.isError ? (
          <Failure error={board.error} retry={() => void board.refetch()} />
        ) : shown.length === 0 ? (
          <Empty>
            <p>No games are open for picks right now. New lines appear as soon as they are published.</p>
          </Empty>
        ) : (
          groupByDay(shown).map(([day, dayGames]) => (
            <section key={day} aria-labelledby={`day-${day}`} className="day">
              <h2 id={`day-${day}`}>{dayHeading(day, now)}</h2>
              <div className="games">
                {dayGames.map((game) => (
                  <GameCard key={game.id} game={game} defaultStake={defaultStake} />
                ))}
              </div>
            </section>
          ))
        )}
      </section>
      <BetSlip />
    </div>
  );
}
