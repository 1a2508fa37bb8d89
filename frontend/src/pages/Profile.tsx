import { Link, useParams, useSearchParams } from 'react-router';

import type { Schemas } from '../api/client';
import { PROFILE_PAGE, useProfile } from '../api/queries';
import { useSession } from '../api/session';
import { matchup } from '../components/GameCard';
import { LineTaken, ResultBadge, pickLabel } from '../components/PickLine';
import { Empty, Failure, Loading } from '../components/Status';
import { UnitsChart } from '../components/UnitsChart';
import { formatUnits, unitsTone } from '../lib/odds';
import { formatDateTime } from '../lib/time';

const percent = (ratio: string | null | undefined) => (ratio == null ? '—' : `${(Number(ratio) * 100).toFixed(1)}%`);
const WINDOWS = [
  ['all', 'All time'],
  ['season', 'Season'],
  ['month', 'This month'],
  ['week', 'Last 7 days'],
] as const;

function ProfilePickRow({ pick }: { pick: Schemas['ProfilePick'] }) {
  return (
    <li className="pick-row">
      <div className="pick-main">
        <p>
          <strong>{pickLabel(pick)}</strong> · {formatUnits(pick.stake, { signed: false })} units
        </p>
        <p className="muted small">
          {matchup(pick)} · {formatDateTime(pick.commence_time)}
        </p>
        <LineTaken pick={pick} />
      </div>
      <div className="pick-side">
        <ResultBadge status={pick.status} />
        {pick.result_units !== null && (
          <strong className={`units ${unitsTone(pick.result_units)}`}>
            {formatUnits(pick.result_units)}
            <span className="visually-hidden"> units</span>
          </strong>
        )}
      </div>
    </li>
  );
}

export function ProfilePage() {
  const { username = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const offset = Math.max(Number(params.get('offset') ?? 0) || 0, 0);
  const profile = useProfile(username, offset);
  const session = useSession();
  const own = session?.username.toLowerCase() === username.toLowerCase();

  if (profile.isPending) return <Loading what={`${username}'s profile`} />;
  if (profile.isError) {
    return (
      <section aria-labelledby="profile-title">
        <h1 id="profile-title">{username}</h1>
        <Failure error={profile.error} retry={() => void profile.refetch()} />
      </section>
    );
  }
  const data = profile.data;
  const all = data.windows.all;
  const clv = data.closing_line_value;
  return (
    <section aria-labelledby="profile-title" className="profile">
      <h1 id="profile-title">
        {data.username} {own && <span className="you">(you)</span>}
      </h1>
      <p className="muted">Playing since {formatDateTime(data.joined_at)}</p>
      <dl className="stats" aria-label="Record">
        <div>
          <dt>Record (W-L-P)</dt>
          <dd>
            {all.wins}-{all.losses}-{all.pushes}
          </dd>
        </div>
        <div>
          <dt>Units</dt>
          <dd>{formatUnits(all.units)}</dd>
        </div>
        <div>
          <dt>ROI</dt>
          <dd>{percent(all.roi)}</dd>
        </div>
        <div>
          <dt>Closing line value</dt>
          <dd>
            {clv.average === null
              ? '—'
              : `${Number(clv.average) > 0 ? '+' : ''}${(Number(clv.average) * 100).toFixed(2)} pts`}
          </dd>
        </div>
        <div>
          <dt>Beat the close</dt>
          <dd>{clv.picks === 0 ? '—' : `${clv.beat_close} of ${clv.picks} (${percent(clv.beat_close_share)})`}</dd>
        </div>
      </dl>
      <h2>Units over time</h2>
      <UnitsChart points={data.units_over_time} />
      <h2>By window</h2>
      <div
        className="table-scroll"
        tabIndex={0}
        role="region"
        aria-label="Record by window (scrolls sideways on narrow screens)"
      >
        <table className="windows">
          <thead>
            <tr>
              <th scope="col">Window</th>
              <th scope="col" className="num">
                W-L-P
              </th>
              <th scope="col" className="num">
                Units
              </th>
              <th scope="col" className="num">
                ROI
              </th>
              <th scope="col" className="num">
                Win rate
              </th>
              <th scope="col" className="num">
                Void
              </th>
            </tr>
          </thead>
          <tbody>
            {WINDOWS.map(([key, label]) => {
              const w = data.windows[key];
              return (
                <tr key={key}>
                  <th scope="row">{label}</th>
                  <td className="num">
                    {w.wins}-{w.losses}-{w.pushes}
                  </td>
                  <td className="num">{formatUnits(w.units)}</td>
                  <td className="num">{percent(w.roi)}</td>
                  <td className="num">{percent(w.win_rate)}</td>
                  <td className="num">{w.voids}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <h2>Picks</h2>
      <p className="muted small">
        {own
          ? 'Your pending picks are shown to you only; others see them once their game starts.'
          : 'Pending picks stay hidden until their game starts.'}{' '}
        {data.pending > 0 && `${data.pending} pending ${data.pending === 1 ? 'pick is' : 'picks are'} shown.`}
      </p>
      {data.picks.items.length === 0 ? (
        <Empty>
          <p>No picks to show yet.</p>
        </Empty>
      ) : (
        <>
          <ul className="pick-list">
            {data.picks.items.map((p) => (
              <ProfilePickRow key={p.id} pick={p} />
            ))}
          </ul>
          <nav className="pager" aria-label="Pick pages">
            <button
              type="button"
              disabled={offset === 0}
              onClick={() => setParams(offset - PROFILE_PAGE > 0 ? { offset: String(offset - PROFILE_PAGE) } : {})}
            >
              Newer
            </button>
            <span>
              {offset + 1}–{offset + data.picks.items.length} of {data.picks.total}
            </span>
            <button
              type="button"
              disabled={offset + data.picks.items.length >= data.picks.total}
              onClick={() => setParams({ offset: String(offset + PROFILE_PAGE) })}
            >
              Older
            </button>
          </nav>
        </>
      )}
      <p>
        <Link to="/leaderboard">Back to the leaderboard</Link>
      </p>
    </section>
  );
}
