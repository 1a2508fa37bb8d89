// A ranking with its controls (window, sport, rank by), the minimum explained, my row below a page without it, and
// pages: the global leaderboard and every league's show the same thing.
import type { UseQueryResult } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';

import type { Schemas } from '../api/client';
import {
  LEADERBOARD_PAGE,
  type LeaderboardControls,
  type LeaderboardWindow,
  type SortKey,
  useBoard,
  useRules,
} from '../api/queries';
import { useSession } from '../api/session';
import { formatUnits } from '../lib/odds';
import { Empty, Failure, Loading } from './Status';

export const WINDOWS: Record<LeaderboardWindow, string> = {
  all: 'All time',
  season: 'This season',
  month: 'This month',
  week: 'Last 7 days',
};
const SORTS: Record<SortKey, string> = { units: 'Units', roi: 'ROI', win_rate: 'Win rate', rating: 'Rating' };
// Sports the API knows, so the filter works even on a day without games on the board.
export const KNOWN_SPORTS: Record<string, string> = { basketball_nba: 'NBA', americanfootball_nfl: 'NFL' };

const percent = (ratio: string | null | undefined) => (ratio == null ? '—' : `${(Number(ratio) * 100).toFixed(1)}%`);

type ControlName = 'window' | 'sport' | 'sort' | 'offset';

/** The ranking's controls, read from and kept in the page's URL (so a link shows the same ranking). */
export function useRankingControls(): [
  LeaderboardControls,
  (changes: Partial<Record<ControlName, string | null>>) => void,
] {
  const [params, setParams] = useSearchParams();
  const window = params.get('window');
  const sort = params.get('sort');
  const offset = Number(params.get('offset') ?? 0);
  const controls: LeaderboardControls = {
    window: window && window in WINDOWS ? (window as LeaderboardWindow) : 'all',
    sort: sort && sort in SORTS ? (sort as SortKey) : 'units',
    sport: params.get('sport') || null,
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
  const set = (changes: Partial<Record<ControlName, string | null>>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === '' || (key === 'offset' && value === '0')) next.delete(key);
      else next.set(key, value);
    }
    if (!('offset' in changes)) next.delete('offset');
    setParams(next);
  };
  return [controls, set];
}

function Row({ entry, mine }: { entry: Schemas['LeaderboardEntry']; mine: boolean }) {
  return (
    <tr className={mine ? 'mine' : undefined} aria-current={mine ? 'true' : undefined}>
      <td>{entry.rank}</td>
      <th scope="row">
        <Link to={`/players/${entry.username}`}>{entry.username}</Link>
        {mine && <span className="you"> (you)</span>}
      </th>
      <td className="num">{formatUnits(entry.units)}</td>
      <td className="num">{percent(entry.roi)}</td>
      <td className="num">
        {entry.wins}-{entry.losses}-{entry.pushes}
      </td>
      <td className="num">{percent(entry.win_rate)}</td>
      <td className="num">{percent(entry.rating)}</td>
    </tr>
  );
}

export function Ranking({
  controls,
  set,
  board,
  standing,
  fixedSport = null,
  who = 'player',
}: {
  controls: LeaderboardControls;
  set: (changes: Partial<Record<ControlName, string | null>>) => void;
  board: UseQueryResult<Schemas['LeaderboardPublic']>;
  standing: UseQueryResult<Schemas['LeaderboardStanding']>;
  /** A league of one sport: the ranking is of that sport, and the sport control says so instead of offering others. */
  fixedSport?: string | null;
  /** Who is ranked, for the sentences ("player", "member"). */
  who?: string;
}) {
  const session = useSession();
  const rules = useRules();
  const games = useBoard();
  const sports = { ...KNOWN_SPORTS };
  for (const g of games.data?.games ?? []) sports[g.sport_key] = g.sport_title ?? g.sport_key;
  if (controls.sport && !(controls.sport in sports)) sports[controls.sport] = controls.sport;
  if (fixedSport && !(fixedSport in sports)) sports[fixedSport] = fixedSport;

  const data = board.data;
  const minimum = data?.min_picks ?? rules.data?.leaderboard.default_min_picks[controls.sort];
  const prior = rules.data?.leaderboard.rating_prior_picks ?? 50;
  const me = session?.username.toLowerCase();
  const myEntry = standing.data?.entry;
  const myRowOnPage = data?.entries.some((e) => e.username.toLowerCase() === me);

  return (
    <>
      <form className="controls" onSubmit={(e) => e.preventDefault()}>
        <label>
          <span>Window</span>
          <select value={controls.window} onChange={(e) => set({ window: e.target.value })}>
            {Object.entries(WINDOWS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        {fixedSport ? (
          <p className="fixed-control">
            <span>Sport</span>
            <strong>{sports[fixedSport]}</strong>
          </p>
        ) : (
          <label>
            <span>Sport</span>
            <select value={controls.sport ?? ''} onChange={(e) => set({ sport: e.target.value || null })}>
              <option value="">All sports</option>
              {Object.entries(sports).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          <span>Rank by</span>
          <select value={controls.sort} onChange={(e) => set({ sort: e.target.value })}>
            {Object.entries(SORTS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </form>
      <p className="rule">
        {minimum === undefined
          ? 'Only graded picks count.'
          : minimum <= 1
            ? `Every ${who} with a graded pick in the window is ranked. `
            : `To be ranked by ${controls.sort === 'roi' ? 'ROI' : SORTS[controls.sort].toLowerCase()} a ${who} needs at least ${minimum} graded picks in the window: a ratio over a handful of picks says little. `}
        Pending and void picks never count.
        {controls.sort === 'rating' &&
          ` Rating is ROI shrunk toward zero as if each ${who} also had ${prior} break-even picks.`}
      </p>
      {board.isPending ? (
        <Loading what="the ranking" />
      ) : board.isError ? (
        <Failure error={board.error} retry={() => void board.refetch()} />
      ) : !data || (data.entries.length === 0 && !myEntry) ? (
        <Empty>
          <p>
            {data && data.total > 0
              ? `This page is past the last ranked ${who}.`
              : `No ${who} is ranked for these choices yet.`}
          </p>
        </Empty>
      ) : (
        <>
          <div
            className="table-scroll"
            tabIndex={0}
            role="region"
            aria-label="Ranking (scrolls sideways on narrow screens)"
          >
            <table className="ranking">
              <caption className="visually-hidden">
                {who === 'member' ? 'Members' : 'Players'} ranked by {SORTS[controls.sort]},{' '}
                {WINDOWS[controls.window].toLowerCase()}
              </caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Player</th>
                  <th scope="col" className="num">
                    Units
                  </th>
                  <th scope="col" className="num">
                    ROI
                  </th>
                  <th scope="col" className="num">
                    W-L-P
                  </th>
                  <th scope="col" className="num">
                    Win rate
                  </th>
                  <th scope="col" className="num">
                    Rating
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.entries.map((entry) => (
                  <Row key={entry.username} entry={entry} mine={entry.username.toLowerCase() === me} />
                ))}
              </tbody>
              {myEntry && !myRowOnPage && (
                <tbody className="my-standing">
                  <tr className="gap" aria-hidden="true">
                    <td colSpan={7}>…</td>
                  </tr>
                  <Row entry={myEntry} mine />
                </tbody>
              )}
            </table>
          </div>
          <nav className="pager" aria-label="Ranking pages">
            <button
              type="button"
              disabled={controls.offset === 0}
              onClick={() => set({ offset: String(Math.max(controls.offset - LEADERBOARD_PAGE, 0)) })}
            >
              Previous
            </button>
            <span>
              {data.entries.length === 0
                ? `${data.total} ranked`
                : `${data.offset + 1}–${data.offset + data.entries.length} of ${data.total}`}
            </span>
            <button
              type="button"
              disabled={data.offset + data.entries.length >= data.total}
              onClick={() => set({ offset: String(controls.offset + LEADERBOARD_PAGE) })}
            >
              Next
            </button>
          </nav>
        </>
      )}
      {session && standing.data && !standing.data.entry && (
        <p className="notice">
          You have {standing.data.picks} graded {standing.data.picks === 1 ? 'pick' : 'picks'} here;{' '}
          {standing.data.min_picks} {standing.data.min_picks === 1 ? 'is' : 'are'} needed to be ranked.
        </p>
      )}
    </>
  );
}
