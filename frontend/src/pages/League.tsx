import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router';

import { api, errorMessage, type Schemas, unwrap } from '../api/client';
import {
  FEED_PAGE,
  useLeague,
  useLeagueFeed,
  useLeagueLeaderboard,
  useLeagueMembers,
  useLeagueStanding,
} from '../api/queries';
import { useSession } from '../api/session';
import { matchup, sideLabel } from '../components/GameCard';
import { ResultBadge } from '../components/PickLine';
import { KNOWN_SPORTS, Ranking, useRankingControls } from '../components/Ranking';
import { ShareBar } from '../components/ShareBar';
import { Empty, Failure, Loading } from '../components/Status';
import { joinLink } from '../lib/invite';
import { formatPrice, formatUnits, unitsTone } from '../lib/odds';
import { useOddsFormat } from '../lib/preferences';
import type { Market, Selection } from '../lib/rulebook';
import { formatDateTime, formatUtcDay } from '../lib/time';

type League = Schemas['LeaguePublic'];
type FeedGame = Schemas['FeedGame'];

const MARKETS: Record<Market, string> = { h2h: 'Moneyline', spreads: 'Spread', totals: 'Total' };

/** Refetch what a change to the league's membership or ownership moves. */
function useLeagueChanged(leagueId: number) {
  const queryClient = useQueryClient();
  return () => {
    for (const key of ['league', 'league-members', 'league-leaderboard', 'league-standing', 'league-feed'])
      void queryClient.invalidateQueries({ queryKey: [key, leagueId] });
    void queryClient.invalidateQueries({ queryKey: ['leagues'] });
  };
}

function InvitePanel({ league }: { league: League }) {
  const [copied, setCopied] = useState<'copied' | 'failed' | null>(null);
  const changed = useLeagueChanged(league.id);
  const rotate = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/api/leagues/{league_id}/invite', { params: { path: { league_id: league.id } } })),
    onSuccess: () => {
      setCopied(null);
      changed();
    },
  });
  if (!league.invite_code) return null;
  const link = joinLink(league.invite_code);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied('copied');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <section aria-labelledby="invite-title" className="panel invite">
      <h2 id="invite-title">Invite friends</h2>
      <div className="field">
        <label htmlFor="invite-link">Join link</label>
        <div className="copy-row">
          <input
            id="invite-link"
            readOnly
            value={link}
            onFocus={(e) => e.currentTarget.select()}
            aria-describedby="invite-hint"
          />
          <button type="button" className="primary" onClick={() => void copy()}>
            Copy link
          </button>
        </div>
        <p id="invite-hint" className="hint">
          Anyone with this link can join ({league.members} of {league.max_members} members). A new link makes this one
          stop working.
        </p>
      </div>
      <p role="status" className="small">
        {copied === 'copied'
          ? 'Link copied.'
          : copied === 'failed'
            ? 'Could not copy: select the link and copy it yourself.'
            : rotate.isSuccess
              ? 'New link ready; the old one no longer works.'
              : ''}
      </p>
      {rotate.isError && (
        <p role="alert" className="notice error">
          {errorMessage(rotate.error)}
        </p>
      )}
      <button type="button" onClick={() => rotate.mutate()} disabled={rotate.isPending}>
        {rotate.isPending ? 'Making a new link…' : 'Make a new link'}
      </button>
    </section>
  );
}

/** A side as the league's split names it: the team (spreads: at any line), or over/under. */
function splitSide(game: FeedGame, market: Market, selection: Selection): string {
  if (market === 'totals') return selection === 'over' ? 'Over' : 'Under';
  return selection === 'home' ? game.home_team : game.away_team;
}

function Split({ game }: { game: FeedGame }) {
  const markets = game.split.filter((m) => m.picks > 0);
  if (markets.length === 0) return null;
  return (
    <div className="consensus league-split">
      <h4 className="small">How the league picked</h4>
      {markets.map((market) => (
        <div key={market.market} className="split-market">
          <p className="small muted">
            {MARKETS[market.market]} ({market.picks} {market.picks === 1 ? 'pick' : 'picks'})
          </p>
          {market.sides.map((side) => {
            const name = splitSide(game, market.market, side.selection);
            const share = side.pick_share === null ? 0 : Number(side.pick_share);
            const label = `${MARKETS[market.market]}, ${name}: ${side.picks} of ${market.picks} league picks (${Math.round(share * 100)}%), ${formatUnits(side.units, { signed: false })} units staked`;
            return <ShareBar key={side.selection} name={name} share={share} label={label} />;
          })}
        </div>
      ))}
    </div>
  );
}

function FeedPickRow({ game, pick }: { game: FeedGame; pick: Schemas['FeedPick'] }) {
  const format = useOddsFormat();
  const point = pick.point === null ? null : String(pick.point);
  return (
    <li className="feed-pick" data-feed-pick={pick.id}>
      <span className="feed-who">
        <Link to={`/players/${pick.username}`}>{pick.username}</Link>
      </span>
      <span>
        {sideLabel(game, pick.market, pick.selection, point)} at {formatPrice(pick.price, format)} ·{' '}
        {formatUnits(pick.stake, { signed: false })} units
      </span>
      <span className="feed-result">
        <ResultBadge status={pick.status} />
        {pick.result_units !== null && (
          <strong className={`units ${unitsTone(pick.result_units)}`}>
            {formatUnits(pick.result_units)}
            <span className="visually-hidden"> units</span>
          </strong>
        )}
      </span>
    </li>
  );
}

function Feed({ leagueId }: { leagueId: number }) {
  const [params, setParams] = useSearchParams();
  const offset = Math.max(Number(params.get('feed') ?? 0) || 0, 0);
  const feed = useLeagueFeed(leagueId, offset);
  const page = (value: number) => {
    const next = new URLSearchParams(params);
    if (value > 0) next.set('feed', String(value));
    else next.delete('feed');
    setParams(next);
  };
  return (
    <section aria-labelledby="feed-title">
      <h2 id="feed-title">Feed</h2>
      <p className="muted small">Members' picks show here once their game has started, never before.</p>
      {feed.isPending ? (
        <Loading what="the feed" />
      ) : feed.isError ? (
        <Failure error={feed.error} retry={() => void feed.refetch()} />
      ) : feed.data.games.length === 0 ? (
        <Empty>
          <p>No member has a pick on a game that has started yet.</p>
        </Empty>
      ) : (
        <>
          <ol className="feed">
            {feed.data.games.map((game) => {
              const final = game.home_score !== null && game.away_score !== null;
              return (
                <li key={game.game_id} className="feed-game" data-feed-game={game.game_id}>
                  <h3>
                    <Link to={`/games/${game.game_id}`}>{matchup(game)}</Link>
                  </h3>
                  <p className="muted small">
                    {formatDateTime(game.commence_time)} ·{' '}
                    {game.status === 'void'
                      ? 'void'
                      : final
                        ? `final: ${game.away_team} ${game.away_score}, ${game.home_team} ${game.home_score}`
                        : 'started'}
                  </p>
                  <ul className="feed-picks" aria-label={`Picks on ${matchup(game)}`}>
                    {game.picks.map((pick) => (
                      <FeedPickRow key={pick.id} game={game} pick={pick} />
                    ))}
                  </ul>
                  <Split game={game} />
                </li>
              );
            })}
          </ol>
          <nav className="pager" aria-label="Feed pages">
            <button type="button" disabled={offset === 0} onClick={() => page(Math.max(offset - FEED_PAGE, 0))}>
              Newer
            </button>
            <span>
              {offset + 1}–{offset + feed.data.games.length} of {feed.data.total} games
            </span>
            <button
              type="button"
              disabled={offset + feed.data.games.length >= feed.data.total}
              onClick={() => page(offset + FEED_PAGE)}
            >
              Older
            </button>
          </nav>
        </>
      )}
    </section>
  );
}

function Members({ league }: { league: League }) {
  const session = useSession();
  const navigate = useNavigate();
  const members = useLeagueMembers(league.id);
  const changed = useLeagueChanged(league.id);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const me = session?.username.toLowerCase();
  const owner = league.role === 'owner';
  const path = { league_id: league.id };
  const remove = useMutation({
    mutationFn: async (username: string) =>
      unwrap(
        await api.DELETE('/api/leagues/{league_id}/members/{username}', { params: { path: { ...path, username } } }),
      ),
    onSuccess: (_, username) => {
      if (username.toLowerCase() === me) {
        changed();
        navigate('/leagues', { replace: true });
      } else changed();
    },
  });
  const handOver = useMutation({
    mutationFn: async (username: string) =>
      unwrap(await api.POST('/api/leagues/{league_id}/owner', { params: { path }, body: { username } })),
    onSuccess: changed,
  });
  const destroy = useMutation({
    mutationFn: async () => unwrap(await api.DELETE('/api/leagues/{league_id}', { params: { path } })),
    onSuccess: () => {
      changed();
      navigate('/leagues', { replace: true });
    },
  });
  const error = remove.error ?? handOver.error ?? destroy.error;
  return (
    <section aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      {members.isPending ? (
        <Loading what="the members" />
      ) : members.isError ? (
        <Failure error={members.error} retry={() => void members.refetch()} />
      ) : (
        <ul className="member-list">
          {members.data.members.map((m) => {
            const isMe = m.username.toLowerCase() === me;
            return (
              <li key={m.username} className="member">
                <span>
                  <Link to={`/players/${m.username}`}>{m.username}</Link>
                  {isMe && <span className="you"> (you)</span>}{' '}
                  {m.role === 'owner' && <span className="badge role owner">Owner</span>}
                </span>
                <span className="muted small">joined {formatDateTime(m.joined_at)}</span>
                {owner && !isMe && (
                  <span className="member-actions">
                    <button
                      type="button"
                      className="link-button"
                      aria-label={`Make owner: ${m.username}`}
                      onClick={() => handOver.mutate(m.username)}
                      disabled={handOver.isPending}
                    >
                      Make owner
                    </button>
                    <button
                      type="button"
                      className="link-button danger"
                      aria-label={`Remove ${m.username}`}
                      onClick={() => remove.mutate(m.username)}
                      disabled={remove.isPending}
                    >
                      Remove
                    </button>
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {error && (
        <p role="alert" className="notice error">
          {errorMessage(error)}
        </p>
      )}
      <div className="league-exit">
        {owner ? (
          confirmDelete ? (
            <p className="notice">
              Delete {league.name} for everyone? Nobody's picks change.{' '}
              <button type="button" className="danger" onClick={() => destroy.mutate()} disabled={destroy.isPending}>
                Delete the league
              </button>{' '}
              <button type="button" onClick={() => setConfirmDelete(false)}>
                Keep it
              </button>
            </p>
          ) : (
            <p className="muted small">
              To leave, make another member the owner first.{' '}
              <button type="button" className="link-button danger" onClick={() => setConfirmDelete(true)}>
                Delete league…
              </button>
            </p>
          )
        ) : (
          session && (
            <button
              type="button"
              className="danger"
              onClick={() => remove.mutate(session.username)}
              disabled={remove.isPending}
            >
              Leave the league
            </button>
          )
        )}
      </div>
    </section>
  );
}

function LeagueBody({ league }: { league: League }) {
  const [controls, set] = useRankingControls();
  const board = useLeagueLeaderboard(league.id, controls);
  const standing = useLeagueStanding(league.id, controls);
  const joined = (useLocation().state as { joined?: string } | null)?.joined;
  const sport = league.sport ? (KNOWN_SPORTS[league.sport] ?? league.sport) : 'Every sport';
  return (
    <section aria-labelledby="league-title" className="league">
      <h1 id="league-title">{league.name}</h1>
      {joined && (
        <p role="status" className="notice success">
          You joined {joined}. Your picks count here from {formatUtcDay(league.start_date)} on.
        </p>
      )}
      {league.description && <p className="league-description">{league.description}</p>}
      <dl className="stats" aria-label="League">
        <div>
          <dt>Sport</dt>
          <dd>{sport}</dd>
        </div>
        <div>
          <dt>Counts picks graded from</dt>
          <dd>{formatUtcDay(league.start_date)}</dd>
        </div>
        <div>
          <dt>Owner</dt>
          <dd>{league.owner}</dd>
        </div>
        <div>
          <dt>Members</dt>
          <dd>{league.members}</dd>
        </div>
      </dl>
      <InvitePanel league={league} />
      <h2>Leaderboard</h2>
      <Ranking
        controls={controls}
        set={set}
        board={board}
        standing={standing}
        fixedSport={league.sport ?? null}
        who="member"
      />
      <Feed leagueId={league.id} />
      <Members league={league} />
      <p>
        <Link to="/leagues">All my leagues</Link>
      </p>
    </section>
  );
}

export function LeaguePage() {
  const id = Number(useParams().id);
  const session = useSession();
  const league = useLeague(id);
  if (!session) {
    return (
      <section aria-labelledby="league-title">
        <h1 id="league-title">League</h1>
        <Empty>
          <p>
            <Link to={`/signin?next=${encodeURIComponent(`/leagues/${id}`)}`}>Sign in</Link> to see this league.
          </p>
        </Empty>
      </section>
    );
  }
  if (league.isPending) return <Loading what="the league" />;
  if (league.isError) {
    return (
      <section aria-labelledby="league-title">
        <h1 id="league-title">League</h1>
        <Failure error={league.error} retry={() => void league.refetch()} />
        <p>
          <Link to="/leagues">Your leagues</Link>
        </p>
      </section>
    );
  }
  return <LeagueBody league={league.data} />;
}
