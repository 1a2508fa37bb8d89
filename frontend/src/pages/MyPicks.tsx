import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';

import { type Pick, api, errorMessage, unwrap } from '../api/client';
import { useMe, useMyPicks } from '../api/queries';
import { useSession } from '../api/session';
import { matchup } from '../components/GameCard';
import { LineTaken, ResultBadge, pickLabel } from '../components/PickLine';
import { Empty, Failure, Loading } from '../components/Status';
import { formatUnits, unitsTone } from '../lib/odds';
import { countdown, formatDateTime, useNow } from '../lib/time';

function Record() {
  const me = useMe();
  if (!me.data) return null;
  const { wins, losses, pushes, total_units, total_wagered, roi } = me.data;
  return (
    <dl className="stats" aria-label="My record">
      <div>
        <dt>Record (W-L-P)</dt>
        <dd>
          {wins}-{losses}-{pushes}
        </dd>
      </div>
      <div>
        <dt>Units</dt>
        <dd>{formatUnits(total_units)}</dd>
      </div>
      <div>
        <dt>Wagered</dt>
        <dd>{formatUnits(total_wagered, { signed: false })}</dd>
      </div>
      <div>
        <dt>ROI</dt>
        <dd>{roi === null ? '—' : `${(Number(roi) * 100).toFixed(1)}%`}</dd>
      </div>
    </dl>
  );
}

function PendingPick({ pick }: { pick: Pick }) {
  const now = useNow();
  const queryClient = useQueryClient();
  const left = countdown(Date.parse(pick.commence_time), now);
  const cancel = useMutation({
    mutationFn: async () =>
      unwrap(await api.DELETE('/api/picks/{pick_id}', { params: { path: { pick_id: pick.id } } })),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['my-picks'] }),
  });
  return (
    <li className="pick-row" data-pick-id={pick.id}>
      <div className="pick-main">
        <p>
          <strong>{pickLabel(pick)}</strong> · {formatUnits(pick.stake, { signed: false })} units
        </p>
        <p className="muted small">
          {matchup(pick)} · {formatDateTime(pick.commence_time)} {left ? `(starts in ${left})` : '(started)'}
        </p>
        <LineTaken pick={pick} />
        {cancel.isError && (
          <p role="alert" className="error-text">
            {errorMessage(cancel.error)}
          </p>
        )}
      </div>
      <div className="pick-side">
        <ResultBadge status="pending" />
        {pick.cancellable && left && (
          <button
            type="button"
            onClick={() => cancel.mutate()}
            disabled={cancel.isPending}
            aria-label={`Cancel ${pickLabel(pick)} (${matchup(pick)})`}
          >
            Cancel
          </button>
        )}
      </div>
    </li>
  );
}

export function GradedPick({ pick }: { pick: Pick }) {
  return (
    <li className="pick-row" data-pick-id={pick.id}>
      <div className="pick-main">
        <p>
          <strong>{pickLabel(pick)}</strong> · {formatUnits(pick.stake, { signed: false })} units
        </p>
        <p className="muted small">
          {matchup(pick)} · {formatDateTime(pick.commence_time)}
        </p>
        <LineTaken pick={pick} />
        {pick.graded_home_score !== null && pick.graded_away_score !== null && (
          <p className="small">
            Graded on {pick.away_team} {pick.graded_away_score}, {pick.home_team} {pick.graded_home_score}
          </p>
        )}
        {pick.regrades.length > 0 && (
          <details>
            <summary>Regraded {pick.regrades.length === 1 ? 'once' : `${pick.regrades.length} times`}</summary>
            <ul className="regrades">
              {pick.regrades.map((r) => (
                <li key={r.regraded_at}>
                  {formatDateTime(r.regraded_at)}: {r.old_status} ({formatUnits(r.old_result_units)}) → {r.new_status} (
                  {formatUnits(r.new_result_units)}), {r.reason}
                </li>
              ))}
            </ul>
          </details>
        )}
      </div>
      <div className="pick-side">
        <ResultBadge status={pick.status} />
        <strong className={`units ${unitsTone(pick.result_units)}`}>
          {formatUnits(pick.result_units)}
          <span className="visually-hidden"> units</span>
        </strong>
      </div>
    </li>
  );
}

export function MyPicksPage() {
  const session = useSession();
  const picks = useMyPicks();
  if (!session) {
    return (
      <section aria-labelledby="mypicks-title">
        <h1 id="mypicks-title">My picks</h1>
        <Empty>
          <p>
            <Link to="/signin?next=/my-picks">Sign in</Link> to see your picks.
          </p>
        </Empty>
      </section>
    );
  }
  const all = picks.data?.picks ?? [];
  const pending = all.filter((p) => p.status === 'pending');
  const graded = all.filter((p) => p.status !== 'pending');
  return (
    <section aria-labelledby="mypicks-title" className="my-picks">
      <h1 id="mypicks-title">My picks</h1>
      <Record />
      {picks.isPending ? (
        <Loading what="your picks" />
      ) : picks.isError ? (
        <Failure error={picks.error} retry={() => void picks.refetch()} />
      ) : all.length === 0 ? (
        <Empty>
          <p>
            No picks yet. <Link to="/">Pick a side on the board</Link>.
          </p>
        </Empty>
      ) : (
        <>
          <section aria-labelledby="pending-title">
            <h2 id="pending-title">Pending ({pending.length})</h2>
            {pending.length === 0 ? (
              <p className="muted">Nothing waiting on a game.</p>
            ) : (
              <ul className="pick-list">
                {pending.map((p) => (
                  <PendingPick key={p.id} pick={p} />
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="graded-title">
            <h2 id="graded-title">Graded ({graded.length})</h2>
            {graded.length === 0 ? (
              <p className="muted">Your picks are graded as soon as their games are final.</p>
            ) : (
              <ul className="pick-list">
                {graded.map((p) => (
                  <GradedPick key={p.id} pick={p} />
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </section>
  );
}
