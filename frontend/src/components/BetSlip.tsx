import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation } from 'react-router';

import { ApiError, api, errorMessage, unwrap } from '../api/client';
import { useRules } from '../api/queries';
import { useSession } from '../api/session';
import { formatAmerican, formatCents, formatPrice, formatSpread, trimPoint } from '../lib/odds';
import { useOddsFormat } from '../lib/preferences';
import { pickMaths, slip, slipTotals, type SlipPick, stakeProblem, useSlip } from '../lib/slip';
import { useNow } from '../lib/time';

interface CurrentLine {
  price: number;
  point: string | null;
}

interface PickProblem {
  code: string;
  message: string;
  current: CurrentLine | null;
}

const keyOf = (p: Pick<SlipPick, 'gameId' | 'market' | 'selection'>) => `${p.gameId}|${p.market}|${p.selection}`;
const MARKETS = { h2h: 'Moneyline', spreads: 'Spread', totals: 'Total' } as const;

/** Map a refused slip's details (per-pick codes, or validation errors naming a pick) to the picks by position. */
function problemsFrom(error: ApiError, sent: SlipPick[]): Map<string, PickProblem> {
  const problems = new Map<string, PickProblem>();
  if (!Array.isArray(error.details)) return problems;
  for (const raw of error.details as Record<string, unknown>[]) {
    let index: number | null = typeof raw.index === 'number' ? raw.index : null;
    if (index === null && Array.isArray(raw.loc) && raw.loc[1] === 'picks' && typeof raw.loc[2] === 'number') {
      index = raw.loc[2];
    }
    const pick = index === null ? undefined : sent[index];
    if (!pick) continue;
    const current = raw.current as { price: number; point: string | number | null } | null | undefined;
    problems.set(keyOf(pick), {
      code: typeof raw.code === 'string' ? raw.code : 'invalid',
      message: typeof raw.message === 'string' ? raw.message : String(raw.msg ?? 'This pick was refused.'),
      current: current ? { price: current.price, point: current.point === null ? null : String(current.point) } : null,
    });
  }
  return problems;
}

function lineText(pick: Pick<SlipPick, 'market' | 'selection'>, line: CurrentLine, format: 'american' | 'decimal') {
  const point =
    line.point === null ? '' : pick.market === 'spreads' ? `${formatSpread(line.point)} ` : `${trimPoint(line.point)} `;
  return `${point}at ${formatPrice(line.price, format)}`;
}

export function BetSlip() {
  const picks = useSlip();
  const session = useSession();
  const rules = useRules();
  const format = useOddsFormat();
  const now = useNow();
  const location = useLocation();
  const queryClient = useQueryClient();
  const [problems, setProblems] = useState<Map<string, PickProblem>>(new Map());
  const [placed, setPlaced] = useState<number | null>(null);

  const stakeRules = rules.data?.stake;
  const localProblem = (pick: SlipPick): string | null => {
    if (Date.parse(pick.commenceTime) <= now) return 'This game has started; remove the pick.';
    return stakeRules ? stakeProblem(pick.stake, stakeRules) : null;
  };
  const totals = slipTotals(picks);
  const blocked = picks.some((p) => localProblem(p) !== null) || !stakeRules;

  const place = useMutation({
    mutationFn: async (sent: SlipPick[]) =>
      unwrap(
        await api.POST('/api/picks', {
          body: {
            picks: sent.map((p) => ({
              game_id: p.gameId,
              market: p.market,
              selection: p.selection,
              point: p.point,
              price: p.price,
              stake: p.stake,
            })),
          },
        }),
      ),
    onMutate: () => {
      setProblems(new Map());
      setPlaced(null);
    },
    onSuccess: (data) => {
      slip.clear();
      setPlaced(data.picks.length);
      void queryClient.invalidateQueries({ queryKey: ['my-picks'] });
      void queryClient.invalidateQueries({ queryKey: ['me'] });
      void queryClient.invalidateQueries({ queryKey: ['consensus'] });
    },
    onError: (error, sent) => {
      if (error instanceof ApiError) setProblems(problemsFrom(error, sent));
    },
  });

  const slipError = place.error && !(place.error instanceof ApiError && problems.size > 0) ? place.error : null;

  return (
    <section id="slip" className="bet-slip" aria-labelledby="slip-title">
      <h2 id="slip-title">
        Bet slip <span className="count">{picks.length}</span>
      </h2>
      {placed !== null && (
        <p role="status" className="notice success">
          {placed === 1 ? '1 pick placed.' : `${placed} picks placed.`} <Link to="/my-picks">See my picks</Link>
        </p>
      )}
      {picks.length === 0 ? (
        placed === null && <p className="muted">Pick a side on the board to add it here.</p>
      ) : (
        <>
          <ul className="slip-picks">
            {picks.map((pick) => {
              const key = keyOf(pick);
              const problem = problems.get(key);
              const local = localProblem(pick);
              const maths = pickMaths(pick);
              const stakeId = `stake-${key.replaceAll('|', '-')}`;
              const noteId = `${stakeId}-note`;
              return (
                <li key={key} className={problem || local ? 'has-problem' : undefined}>
                  <div className="slip-head">
                    <p className="slip-side">
                      <strong>{pick.label}</strong> <span className="price">{formatPrice(pick.price, format)}</span>
                    </p>
                    <button
                      type="button"
                      className="link-button"
                      aria-label={`Remove ${pick.label} from the slip`}
                      onClick={() => slip.remove(pick)}
                    >
                      Remove
                    </button>
                  </div>
                  <p className="muted small">
                    {MARKETS[pick.market]} · {pick.matchup}
                  </p>
                  <div className="slip-stake">
                    <label htmlFor={stakeId}>Stake (units)</label>
                    <input
                      id={stakeId}
                      type="number"
                      inputMode="decimal"
                      min={stakeRules?.min}
                      max={stakeRules?.max}
                      step={stakeRules?.step}
                      value={pick.stake}
                      aria-describedby={noteId}
                      aria-invalid={local !== null && !local.startsWith('This game') ? true : undefined}
                      onChange={(e) => slip.setStake(pick, e.target.value)}
                    />
                    <p className="to-win">
                      To win <strong>{maths ? formatCents(maths.winCents) : '—'}</strong>
                    </p>
                  </div>
                  <div id={noteId} className="slip-note">
                    {local && <p className="error-text">{local}</p>}
                    {problem && (
                      <div className="error-text" role="alert">
                        <p>{problem.message}</p>
                        {problem.code === 'line_moved' && problem.current && (
                          <p>
                            Now {lineText(pick, problem.current, format)} (you had{' '}
                            {lineText(pick, { price: pick.price, point: pick.point }, format)}).{' '}
                            <button
                              type="button"
                              onClick={() => {
                                slip.acceptLine(pick, problem.current as CurrentLine);
                                setProblems((old) => {
                                  const next = new Map(old);
                                  next.delete(key);
                                  return next;
                                });
                              }}
                            >
                              Accept{' '}
                              {problem.current.point !== null && pick.market === 'spreads'
                                ? formatSpread(problem.current.point) + ' '
                                : problem.current.point !== null
                                  ? trimPoint(problem.current.point) + ' '
                                  : ''}
                              at {formatAmerican(problem.current.price)}
                            </button>
                          </p>
                        )}
                      </div>
                    )}
                  </div>
                </li>
              );
            })}
          </ul>
          <dl className="slip-totals">
            <div>
              <dt>Total risk</dt>
              <dd>{formatCents(totals.riskCents)} units</dd>
            </div>
            <div>
              <dt>Potential win</dt>
              <dd>{formatCents(totals.winCents)} units</dd>
            </div>
          </dl>
          {slipError && (
            <p role="alert" className="notice error">
              {errorMessage(slipError)}
            </p>
          )}
          {session ? (
            <button
              type="button"
              className="primary"
              disabled={blocked || place.isPending}
              onClick={() => place.mutate(picks)}
            >
              {place.isPending ? 'Placing…' : picks.length === 1 ? 'Place 1 pick' : `Place ${picks.length} picks`}
            </button>
          ) : (
            <Link className="button-link primary" to={`/signin?next=${encodeURIComponent(location.pathname)}`}>
              Sign in to place picks
            </Link>
          )}
          <button type="button" className="link-button" onClick={() => slip.clear()}>
            Clear slip
          </button>
        </>
      )}
    </section>
  );
}
