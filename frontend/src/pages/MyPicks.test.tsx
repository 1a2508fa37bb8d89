import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';

import type { Pick } from '../api/client';
import { resetSession, signIn } from '../api/session';
import { fakeApi, json, renderWithApp } from '../test/render';
import { MyPicksPage } from './MyPicks';

const ME = {
  id: 1,
  username: 'alice',
  email: 'alice@example.com',
  created_at: '2026-11-01T00:00:00Z',
  total_units: '0.91',
  total_wagered: '6.00',
  roi: '0.151667',
  wins: 1,
  losses: 0,
  pushes: 0,
};

function pick(overrides: Partial<Pick>): Pick {
  return {
    id: 1,
    game_id: 10,
    sport_key: 'basketball_nba',
    home_team: 'Boston Celtics',
    away_team: 'New York Knicks',
    commence_time: new Date(Date.now() + 3_600_000).toISOString(),
    market: 'spreads',
    selection: 'home',
    point: '-3.50',
    price: -110,
    stake: '1.00',
    placed_at: '2026-11-26T10:00:00Z',
    status: 'pending',
    result_units: null,
    graded_at: null,
    closing_point: null,
    closing_price: null,
    closing_line_value: null,
    cancellable: true,
    graded_home_score: null,
    graded_away_score: null,
    regrades: [],
    ...overrides,
  };
}

beforeEach(() => {
  resetSession();
  signIn({ token: 't', username: 'alice', userId: 1, expiresAt: Date.now() + 60_000 });
});

describe('my picks', () => {
  it('lists a graded pick with its score, closing line, CLV and regrade history', async () => {
    // GIVEN a won pick at -110 that closed at -120 and was regraded after a score correction
    fakeApi({
      'GET /api/me': () => json(ME),
      'GET /api/picks/me': () =>
        json({
          picks: [
            pick({
              id: 2,
              commence_time: '2026-11-25T00:00:00Z',
              status: 'won',
              stake: '1.00',
              result_units: '0.91',
              graded_at: '2026-11-25T03:00:00Z',
              closing_point: '-3.50',
              closing_price: -120,
              closing_line_value: '0.021645',
              cancellable: false,
              graded_home_score: 110,
              graded_away_score: 105,
              regrades: [
                {
                  old_status: 'lost',
                  new_status: 'won',
                  old_result_units: '-1.00',
                  new_result_units: '0.91',
                  reason: 'score corrected from 100-105 to 110-105',
                  regraded_at: '2026-11-25T05:00:00Z',
                },
              ],
            }),
          ],
        }),
    });
    renderWithApp(<MyPicksPage />);
    // THEN the row shows the result, the units, the line taken against the close, the score and the regrade
    const row = (await screen.findByText('Boston Celtics -3.5')).closest('li') as HTMLElement;
    expect(within(row).getByText('Won')).toBeInTheDocument();
    expect(row).toHaveTextContent('+0.91 units');
    expect(row).toHaveTextContent('Spread: took -3.5 at -110 · closed -3.5 at -120 · CLV +2.2 pts');
    expect(row).toHaveTextContent('Graded on New York Knicks 105, Boston Celtics 110');
    expect(row).toHaveTextContent('lost (-1.00) → won (+0.91), score corrected from 100-105 to 110-105');
    // AND the running record comes from the account
    expect(screen.getByLabelText('My record')).toHaveTextContent('1-0-0');
  });

  it('cancels a pending pick before tip-off and shows the list without it', async () => {
    // GIVEN one pending, cancellable pick
    let picks = [pick({ id: 5 })];
    const calls = fakeApi({
      'GET /api/me': () => json(ME),
      'GET /api/picks/me': () => json({ picks }),
      'DELETE /api/picks/5': () => {
        picks = [];
        return json(null, 204);
      },
    });
    renderWithApp(<MyPicksPage />);
    // WHEN the player cancels it
    await userEvent.click(
      await screen.findByRole('button', { name: 'Cancel Boston Celtics -3.5 (New York Knicks at Boston Celtics)' }),
    );
    // THEN the API is asked to delete it and the list, now empty, says so
    expect(await screen.findByText(/No picks yet/)).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'DELETE' && c.path === '/api/picks/5')).toBe(true);
  });
});
