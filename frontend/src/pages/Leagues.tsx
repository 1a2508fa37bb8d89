import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';

import { ApiError, api, errorMessage, unwrap } from '../api/client';
import { useBoard, useMyLeagues, useRules } from '../api/queries';
import { useSession } from '../api/session';
import { KNOWN_SPORTS } from '../components/Ranking';
import { Empty, Failure, Loading } from '../components/Status';
import { inviteCodeFrom } from '../lib/invite';
import { formatUtcDay, utcToday } from '../lib/time';

type CreateField = 'name' | 'description' | 'sport' | 'start_date';

/** The field each refusal of a new league is about, with a sentence for it. */
function createErrors(error: unknown): Partial<Record<CreateField, string>> {
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return {};
  const errors: Partial<Record<CreateField, string>> = {};
  for (const detail of error.details as { loc?: unknown[]; msg?: string; type?: string }[]) {
    const field = detail.loc?.[detail.loc.length - 1];
    if (field !== 'name' && field !== 'description' && field !== 'sport' && field !== 'start_date') continue;
    if (error.code === 'start_date_out_of_range') errors[field] = error.message;
    else if (field === 'name')
      errors.name = 'Give the league a name of 1 to 64 characters (letters, digits, spaces, punctuation).';
    else if (field === 'description') errors.description = 'Keep the description to 500 characters of text.';
    else errors[field] = detail.msg ?? 'Not valid.';
  }
  return errors;
}

function useSports(): Record<string, string> {
  const games = useBoard();
  const sports = { ...KNOWN_SPORTS };
  for (const g of games.data?.games ?? []) sports[g.sport_key] = g.sport_title ?? g.sport_key;
  return sports;
}

function CreateLeague() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const sports = useSports();
  const create = useMutation({
    mutationFn: async (form: FormData) => {
      const value = (k: string) => String(form.get(k) ?? '').trim();
      return unwrap(
        await api.POST('/api/leagues', {
          body: {
            name: value('name'),
            description: value('description') || null,
            sport: value('sport') || null,
            start_date: value('start_date') || null,
          },
        }),
      );
    },
    onSuccess: (league) => {
      void queryClient.invalidateQueries({ queryKey: ['leagues'] });
      navigate(`/leagues/${league.id}`);
    },
  });
  const errors = createErrors(create.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    create.mutate(new FormData(e.currentTarget));
  };
  const described = (field: CreateField, hint?: boolean) =>
    [hint ? `league-${field}-hint` : null, errors[field] ? `league-${field}-error` : null].filter(Boolean).join(' ') ||
    undefined;
  const fieldError = (field: CreateField) =>
    errors[field] && (
      <p id={`league-${field}-error`} className="error-text">
        {errors[field]}
      </p>
    );
  return (
    <section aria-labelledby="create-title" className="panel">
      <h2 id="create-title">Start a league</h2>
      <form onSubmit={onSubmit} noValidate>
        <div className="field">
          <label htmlFor="league-name">Name</label>
          <input
            id="league-name"
            name="name"
            required
            maxLength={64}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={described('name')}
          />
          {fieldError('name')}
        </div>
        <div className="field">
          <label htmlFor="league-description">Description (optional)</label>
          <textarea
            id="league-description"
            name="description"
            rows={2}
            maxLength={500}
            aria-invalid={errors.description ? true : undefined}
            aria-describedby={described('description')}
          />
          {fieldError('description')}
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="league-sport">Sport</label>
            <select id="league-sport" name="sport" defaultValue="" aria-describedby={described('sport')}>
              <option value="">Every sport</option>
              {Object.entries(sports).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
            {fieldError('sport')}
          </div>
          <div className="field">
            <label htmlFor="league-start">Counts picks from</label>
            <input
              id="league-start"
              name="start_date"
              type="date"
              defaultValue={utcToday()}
              aria-invalid={errors.start_date ? true : undefined}
              aria-describedby={described('start_date', true)}
            />
            <p id="league-start_date-hint" className="hint">
              Picks graded from 00:00 UTC on this day count.
            </p>
            {fieldError('start_date')}
          </div>
        </div>
        {create.error !== null && Object.keys(errors).length === 0 && (
          <p role="alert" className="notice error">
            {errorMessage(create.error)}
          </p>
        )}
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create league'}
        </button>
      </form>
    </section>
  );
}

function JoinByCode() {
  const navigate = useNavigate();
  const [problem, setProblem] = useState<string | null>(null);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const code = inviteCodeFrom(String(new FormData(e.currentTarget).get('code') ?? ''));
    if (code === null) {
      setProblem('Paste the invite link you were sent, or the 16 characters at its end.');
      return;
    }
    setProblem(null);
    navigate(`/join/${code}`);
  };
  return (
    <section aria-labelledby="join-title" className="panel">
      <h2 id="join-title">Join a league</h2>
      <form onSubmit={onSubmit} noValidate className="inline-form">
        <div className="field">
          <label htmlFor="join-code">Invite link or code</label>
          <input
            id="join-code"
            name="code"
            autoComplete="off"
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? 'join-code-error' : undefined}
          />
          {problem && (
            <p id="join-code-error" className="error-text">
              {problem}
            </p>
          )}
        </div>
        <button type="submit">Join</button>
      </form>
    </section>
  );
}

export function LeaguesPage() {
  const session = useSession();
  const leagues = useMyLeagues();
  const rules = useRules();
  const sports = useSports();
  if (!session) {
    return (
      <section aria-labelledby="leagues-title">
        <h1 id="leagues-title">Leagues</h1>
        <Empty>
          <p>
            <Link to="/signin?next=/leagues">Sign in</Link> to see your leagues, start one or join one.
          </p>
        </Empty>
      </section>
    );
  }
  const max = leagues.data?.max_leagues ?? rules.data?.leagues.max_leagues_per_player;
  return (
    <section aria-labelledby="leagues-title" className="leagues">
      <h1 id="leagues-title">Leagues</h1>
      <p className="muted">
        Private contests among friends: a leaderboard of your own, and everyone's picks once their games start.
      </p>
      <h2>My leagues</h2>
      {leagues.isPending ? (
        <Loading what="your leagues" />
      ) : leagues.isError ? (
        <Failure error={leagues.error} retry={() => void leagues.refetch()} />
      ) : leagues.data.leagues.length === 0 ? (
        <Empty>
          <p>You are in no league yet. Start one below, or open an invite link a friend sent you.</p>
        </Empty>
      ) : (
        <ul className="league-list">
          {leagues.data.leagues.map((league) => (
            <li key={league.id} className="league-item">
              <Link to={`/leagues/${league.id}`} className="league-name">
                {league.name}
              </Link>
              <span className="muted small">
                {league.sport ? (sports[league.sport] ?? league.sport) : 'Every sport'} · {league.members}{' '}
                {league.members === 1 ? 'member' : 'members'} · from {formatUtcDay(league.start_date)}
              </span>
              <span className={`badge role ${league.role}`}>{league.role === 'owner' ? 'Owner' : 'Member'}</span>
            </li>
          ))}
        </ul>
      )}
      {max !== undefined && leagues.data && (
        <p className="muted small">
          You are in {leagues.data.leagues.length} of the {max} leagues a player may belong to.
        </p>
      )}
      <div className="league-forms">
        <CreateLeague />
        <JoinByCode />
      </div>
    </section>
  );
}
