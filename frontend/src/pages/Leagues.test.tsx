import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes, useLocation } from 'react-router';
import { beforeEach, describe, expect, it, vi } from 'vitest';

import type { Schemas } from '../api/client';
import { resetSession, signIn, signOut } from '../api/session';
import { fakeApi, json, renderWithApp, RULES } from '../test/render';
import { JoinPage } from './Join';
import { LeaguePage } from './League';
import { LeaguesPage } from './Leagues';

const CODE = 'q7Xb2mN0Zp4-Tr_9';

function league(overrides: Partial<Schemas['LeaguePublic']> = {}): Schemas['LeaguePublic'] {
  return {
    id: 7,
    name: 'Friday Five',
    description: 'Office pool',
    sport: 'basketball_nba',
    start_date: '2026-11-20',
    created_at: '2026-11-20T09:00:00Z',
    owner: 'alice',
    members: 2,
    max_members: 1000,
    role: 'owner',
    joined_at: '2026-11-20T09:00:00Z',
    invite_code: CODE,
    ...overrides,
  };
}

const EMPTY_BOARD = {
  window: 'all',
  since: '2026-11-20T00:00:00Z',
  sport: 'basketball_nba',
  sort: 'units',
  min_picks: 1,
  total: 0,
  limit: 50,
  offset: 0,
  entries: [],
};
const NO_STANDING = { ...EMPTY_BOARD, picks: 0, entry: null };

function Where() {
  const { pathname } = useLocation();
  return <output aria-label="Path">{pathname}</output>;
}

function app(url: string) {
  renderWithApp(
    <>
      <Routes>
        <Route path="/leagues" element={<LeaguesPage />} />
        <Route path="/leagues/:id" element={<LeaguePage />} />
        <Route path="/join/:code" element={<JoinPage />} />
        <Route path="*" element={<p>elsewhere</p>} />
      </Routes>
      <Where />
    </>,
    { url },
  );
}

beforeEach(() => {
  resetSession();
  signIn({ token: 't', username: 'alice', userId: 1, expiresAt: Date.now() + 60_000 });
});

describe('leagues', () => {
  it('lists my leagues with my role, and creates one that it then opens', async () => {
    // GIVEN alice, who owns one league
    const calls = fakeApi({
      'GET /api/rules': () => json(RULES),
      'GET /api/games/upcoming': () => json({ games: [] }),
      'GET /api/leagues': () => json({ leagues: [league()], max_leagues: 20 }),
      'POST /api/leagues': () => json(league({ id: 8, name: 'Sunday Scaries', members: 1 }), 201),
      'GET /api/leagues/8': () => json(league({ id: 8, name: 'Sunday Scaries', members: 1 })),
    });
    app('/leagues');
    // THEN her league is listed as hers
    const item = (await screen.findByRole('link', { name: 'Friday Five' })).closest('li') as HTMLElement;
    expect(within(item).getByText('Owner')).toBeInTheDocument();
    expect(within(item).getByText(/NBA · 2 members/)).toBeInTheDocument();
    // WHEN she starts a league of every sport counting from Nov 1
    await userEvent.type(screen.getByLabelText('Name'), '  Sunday Scaries ');
    await userEvent.clear(screen.getByLabelText('Counts picks from'));
    await userEvent.type(screen.getByLabelText('Counts picks from'), '2026-11-01');
    await userEvent.click(screen.getByRole('button', { name: 'Create league' }));
    // THEN the API gets exactly that, and the new league opens
    await screen.findByRole('heading', { name: 'Sunday Scaries', level: 1 });
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      name: 'Sunday Scaries',
      description: null,
      sport: null,
      start_date: '2026-11-01',
    });
    expect(screen.getByLabelText('Path')).toHaveTextContent('/leagues/8');
  });

  it('shows why a new league was refused next to the field', async () => {
    fakeApi({
      'GET /api/rules': () => json(RULES),
      'GET /api/games/upcoming': () => json({ games: [] }),
      'GET /api/leagues': () => json({ leagues: [], max_leagues: 20 }),
      'POST /api/leagues': () =>
        json(
          {
            error: {
              code: 'start_date_out_of_range',
              message: 'The start date must be within 10 years before and one year after today (UTC).',
              details: [{ loc: ['body', 'start_date'], msg: 'out of range' }],
            },
          },
          422,
        ),
    });
    app('/leagues');
    await screen.findByText(/You are in no league yet/);
    await userEvent.type(screen.getByLabelText('Name'), 'Far future');
    await userEvent.click(screen.getByRole('button', { name: 'Create league' }));
    const field = screen.getByLabelText('Counts picks from');
    await vi.waitFor(() => expect(field).toHaveAttribute('aria-invalid', 'true'));
    expect(field).toHaveAccessibleDescription(/within 10 years before and one year after today/);
  });

  it('joins by a pasted link: the join page joins and lands in the league', async () => {
    // GIVEN bob, signed in, with a link a friend sent
    resetSession();
    signIn({ token: 't', username: 'bob', userId: 2, expiresAt: Date.now() + 60_000 });
    const calls = fakeApi({
      'GET /api/rules': () => json(RULES),
      'GET /api/games/upcoming': () => json({ games: [] }),
      'GET /api/leagues': () => json({ leagues: [], max_leagues: 20 }),
      'POST /api/leagues/join': () => json(league({ role: 'member', invite_code: null })),
      'GET /api/leagues/7': () => json(league({ role: 'member', invite_code: null })),
      'GET /api/leagues/7/leaderboard': () => json(EMPTY_BOARD),
      'GET /api/leagues/7/leaderboard/me': () => json(NO_STANDING),
      'GET /api/leagues/7/feed': () => json({ total: 0, limit: 10, offset: 0, games: [] }),
      'GET /api/leagues/7/members': () => json({ members: [] }),
    });
    app('/leagues');
    await screen.findByText(/You are in no league yet/);
    // WHEN he pastes it into the join box
    await userEvent.type(screen.getByLabelText('Invite link or code'), `https://pickvs.example/join/${CODE}`);
    await userEvent.click(screen.getByRole('button', { name: 'Join' }));
    // THEN he joins with the code at its end, once, and lands in the league, told he joined
    await screen.findByRole('heading', { name: 'Friday Five', level: 1 });
    expect(calls.filter((c) => c.path === '/api/leagues/join').map((c) => c.body)).toEqual([{ code: CODE }]);
    expect(screen.getByLabelText('Path')).toHaveTextContent('/leagues/7');
    expect(screen.getByText(/You joined Friday Five\./)).toHaveAttribute('role', 'status');
    // AND a member sees no invite link
    expect(screen.queryByLabelText('Join link')).not.toBeInTheDocument();
  });

  it('sends a signed-out player to sign up first, and back to the link afterwards', async () => {
    signOut();
    const calls = fakeApi({});
    app(`/join/${CODE}`);
    const signUp = await screen.findByRole('link', { name: 'Sign up to join' });
    expect(signUp).toHaveAttribute('href', `/signup?next=${encodeURIComponent(`/join/${CODE}`)}`);
    expect(screen.getByRole('link', { name: /sign in/ })).toHaveAttribute(
      'href',
      `/signin?next=${encodeURIComponent(`/join/${CODE}`)}`,
    );
    expect(calls).toEqual([]);
  });

  it('says a link is not an invite without asking the API, and shows a refused code', async () => {
    const calls = fakeApi({
      'POST /api/leagues/join': () =>
        json(
          {
            error: {
              code: 'invite_not_found',
              message: 'No league has this invite code. The owner may have replaced the link with a new one.',
              details: null,
            },
          },
          404,
        ),
    });
    app('/join/not-a-code');
    expect(await screen.findByRole('alert')).toHaveTextContent('This is not a PickVs invite link');
    expect(calls).toEqual([]);
  });

  it('shows the refusal of a code that names no league', async () => {
    fakeApi({
      'POST /api/leagues/join': () =>
        json(
          {
            error: {
              code: 'invite_not_found',
              message: 'No league has this invite code. The owner may have replaced the link with a new one.',
              details: null,
            },
          },
          404,
        ),
    });
    app(`/join/${CODE}`);
    expect(await screen.findByRole('alert')).toHaveTextContent('The owner may have replaced the link');
  });
});

describe('a league page', () => {
  it('gives the owner the join link to copy and a new one on demand', async () => {
    // GIVEN alice's league
    const NEW_CODE = 'AAAAbbbbCCCCdddd';
    let code = CODE;
    const calls = fakeApi({
      'GET /api/rules': () => json(RULES),
      'GET /api/games/upcoming': () => json({ games: [] }),
      'GET /api/leagues/7': () => json(league({ invite_code: code })),
      'POST /api/leagues/7/invite': () => {
        code = NEW_CODE;
        return json(league({ invite_code: code }));
      },
      'GET /api/leagues/7/leaderboard': () => json(EMPTY_BOARD),
      'GET /api/leagues/7/leaderboard/me': () => json(NO_STANDING),
      'GET /api/leagues/7/feed': () => json({ total: 0, limit: 10, offset: 0, games: [] }),
      'GET /api/leagues/7/members': () =>
        json({
          members: [
            { username: 'alice', role: 'owner', joined_at: '2026-11-20T09:00:00Z' },
            { username: 'bob', role: 'member', joined_at: '2026-11-21T09:00:00Z' },
          ],
        }),
    });
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    app('/leagues/7');
    // THEN she sees the link to share, and copies it
    const link = await screen.findByLabelText('Join link');
    expect(link).toHaveValue(`${window.location.origin}/join/${CODE}`);
    await userEvent.click(screen.getByRole('button', { name: 'Copy link' }));
    expect(writeText).toHaveBeenCalledWith(`${window.location.origin}/join/${CODE}`);
    expect(await screen.findByText('Link copied.')).toBeInTheDocument();
    // AND the sport is the league's, not a choice
    expect(screen.queryByRole('combobox', { name: 'Sport' })).not.toBeInTheDocument();
    // WHEN she makes a new link
    await userEvent.click(screen.getByRole('button', { name: 'Make a new link' }));
    // THEN the page shows the new one and says the old one is dead
    await vi.waitFor(() =>
      expect(screen.getByLabelText('Join link')).toHaveValue(`${window.location.origin}/join/${NEW_CODE}`),
    );
    expect(screen.getByText('New link ready; the old one no longer works.')).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['/api/leagues/7/invite']);
    // AND she can remove bob or hand him the league, but has no way to leave
    expect(screen.getByRole('button', { name: 'Remove bob' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Make owner: bob' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Leave the league' })).not.toBeInTheDocument();
  });

  it('shows started games with members picks and how the league split', async () => {
    fakeApi({
      'GET /api/rules': () => json(RULES),
      'GET /api/games/upcoming': () => json({ games: [] }),
      'GET /api/leagues/7': () => json(league({ role: 'member', invite_code: null })),
      'GET /api/leagues/7/leaderboard': () => json(EMPTY_BOARD),
      'GET /api/leagues/7/leaderboard/me': () => json(NO_STANDING),
      'GET /api/leagues/7/members': () => json({ members: [] }),
      'GET /api/leagues/7/feed': () =>
        json({
          total: 1,
          limit: 10,
          offset: 0,
          games: [
            {
              game_id: 10,
              sport_key: 'basketball_nba',
              home_team: 'Boston Celtics',
              away_team: 'New York Knicks',
              commence_time: '2026-11-25T00:30:00Z',
              status: 'final',
              home_score: 110,
              away_score: 104,
              split: [
                {
                  market: 'h2h',
                  picks: 3,
                  units: '6.00',
                  sides: [
                    { selection: 'home', picks: 2, units: '3.00', pick_share: '0.666667', unit_share: '0.500000' },
                    { selection: 'away', picks: 1, units: '3.00', pick_share: '0.333333', unit_share: '0.500000' },
                  ],
                },
                { market: 'spreads', picks: 0, units: '0.00', sides: [] },
                { market: 'totals', picks: 0, units: '0.00', sides: [] },
              ],
              picks: [
                {
                  id: 1,
                  username: 'carol',
                  market: 'h2h',
                  selection: 'away',
                  point: null,
                  price: 120,
                  stake: '3.00',
                  placed_at: '2026-11-24T20:00:00Z',
                  status: 'lost',
                  result_units: '-3.00',
                },
                {
                  id: 2,
                  username: 'alice',
                  market: 'h2h',
                  selection: 'home',
                  point: null,
                  price: -110,
                  stake: '2.00',
                  placed_at: '2026-11-24T19:00:00Z',
                  status: 'won',
                  result_units: '1.82',
                },
              ],
            },
          ],
        }),
    });
    app('/leagues/7');
    // THEN each member's pick on the game is shown with its result
    const picks = await screen.findByRole('list', { name: 'Picks on New York Knicks at Boston Celtics' });
    const rows = within(picks).getAllByRole('listitem');
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringMatching(/carol.*New York Knicks at \+120.*3\.00 units.*Lost.*-3\.00/),
      expect.stringMatching(/alice.*Boston Celtics at -110.*2\.00 units.*Won.*\+1\.82/),
    ]);
    // AND how the league picked: two of three on the home moneyline; markets nobody picked are left out
    expect(
      screen.getByRole('meter', { name: /Moneyline, Boston Celtics: 2 of 3 league picks \(67%\)/ }),
    ).toHaveAttribute('aria-valuenow', '67');
    expect(screen.queryByText(/^Spread/)).not.toBeInTheDocument();
    expect(screen.getByText(/final: New York Knicks 104, Boston Celtics 110/)).toBeInTheDocument();
  });

  it('lets a member leave and takes them back to their leagues', async () => {
    resetSession();
    signIn({ token: 't', username: 'bob', userId: 2, expiresAt: Date.now() + 60_000 });
    const calls = fakeApi({
      'GET /api/rules': () => json(RULES),
      'GET /api/games/upcoming': () => json({ games: [] }),
      'GET /api/leagues': () => json({ leagues: [], max_leagues: 20 }),
      'GET /api/leagues/7': () => json(league({ role: 'member', invite_code: null })),
      'GET /api/leagues/7/leaderboard': () => json(EMPTY_BOARD),
      'GET /api/leagues/7/leaderboard/me': () => json(NO_STANDING),
      'GET /api/leagues/7/feed': () => json({ total: 0, limit: 10, offset: 0, games: [] }),
      'GET /api/leagues/7/members': () => json({ members: [] }),
      'DELETE /api/leagues/7/members/bob': () => new Response(null, { status: 204 }),
    });
    app('/leagues/7');
    await userEvent.click(await screen.findByRole('button', { name: 'Leave the league' }));
    await vi.waitFor(() => expect(screen.getByLabelText('Path')).toHaveTextContent(/^\/leagues$/));
    expect(calls.some((c) => c.method === 'DELETE' && c.path === '/api/leagues/7/members/bob')).toBe(true);
  });
});
