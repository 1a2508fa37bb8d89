import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useLocation } from 'react-router';
import { beforeEach, describe, expect, it } from 'vitest';

import { resetSession, signIn } from '../api/session';
import { fakeApi, json, renderWithApp, RULES } from '../test/render';
import { LeaderboardPage } from './Leaderboard';

const entry = (rank: number, username: string, units: string) => ({
  rank,
  username,
  units,
  wagered: '100.00',
  roi: '0.100000',
  wins: 30,
  losses: 20,
  pushes: 0,
  picks: 50,
  win_rate: '0.600000',
  rating: '0.050000',
});

function Url() {
  const { search } = useLocation();
  return <output aria-label="URL query">{search}</output>;
}

beforeEach(() => {
  resetSession();
  signIn({ token: 't', username: 'carol', userId: 3, expiresAt: Date.now() + 60_000 });
});

describe('leaderboard', () => {
  it('reads its controls from the URL, explains the minimum and shows my row below a page without it', async () => {
    // GIVEN the ROI board for this month, whose page holds alice and bob while carol ranks 57th
    const calls = fakeApi({
      'GET /api/rules': () => json(RULES),
      'GET /api/games/upcoming': () => json({ games: [] }),
      'GET /api/leaderboard': () =>
        json({
          window: 'month',
          since: '2026-11-01T00:00:00Z',
          sport: null,
          sort: 'roi',
          min_picks: 20,
          total: 80,
          limit: 50,
          offset: 0,
          entries: [entry(1, 'alice', '12.00'), entry(2, 'bob', '9.50')],
        }),
      'GET /api/leaderboard/me': () =>
        json({
          window: 'month',
          since: '2026-11-01T00:00:00Z',
          sport: null,
          sort: 'roi',
          min_picks: 20,
          total: 80,
          picks: 50,
          entry: entry(57, 'carol', '-3.25'),
        }),
    });
    // WHEN the page opens at ?window=month&sort=roi
    renderWithApp(<LeaderboardPage />, { url: '/leaderboard?window=month&sort=roi' });
    // THEN the API is asked for exactly that, and the controls show it
    const mine = await screen.findByRole('row', { name: /carol/ });
    const board = calls.find((c) => c.path === '/api/leaderboard');
    expect(board).toBeDefined();
    expect(screen.getByLabelText('Window')).toHaveValue('month');
    expect(screen.getByLabelText('Rank by')).toHaveValue('roi');
    // AND the rule says how many graded picks it takes to be ranked by ROI
    expect(screen.getByText(/at least 20 graded picks in the window/)).toBeInTheDocument();
    // AND my own row follows the page, marked as mine
    expect(mine).toHaveAttribute('aria-current', 'true');
    expect(within(mine).getByText('57')).toBeInTheDocument();
    expect(within(mine).getByText('-3.25')).toBeInTheDocument();
  });

  it('keeps a changed control in the URL', async () => {
    const seen: string[] = [];
    fakeApi({
      'GET /api/rules': () => json(RULES),
      'GET /api/games/upcoming': () => json({ games: [] }),
      'GET /api/leaderboard': (request) => {
        seen.push(new URL(request.url).search);
        return json({
          window: 'all',
          since: null,
          sport: null,
          sort: 'units',
          min_picks: 1,
          total: 0,
          limit: 50,
          offset: 0,
          entries: [],
        });
      },
      'GET /api/leaderboard/me': () =>
        json({ window: 'all', since: null, sport: null, sort: 'units', min_picks: 1, total: 0, picks: 0, entry: null }),
    });
    renderWithApp(
      <>
        <LeaderboardPage />
        <Url />
      </>,
      { url: '/leaderboard' },
    );
    await screen.findByText('No player is ranked for these choices yet.');
    // WHEN the player ranks by rating over the last 7 days
    await userEvent.selectOptions(screen.getByLabelText('Rank by'), 'rating');
    await userEvent.selectOptions(screen.getByLabelText('Window'), 'week');
    // THEN the URL holds both, the API is asked for that ranking, and the rating's prior is explained
    await screen.findByText(/as if each player also had 50 break-even picks/);
    expect(screen.getByLabelText('URL query')).toHaveTextContent('?sort=rating&window=week');
    expect(seen.at(-1)).toContain('window=week');
    expect(seen.at(-1)).toContain('sort=rating');
  });
});
