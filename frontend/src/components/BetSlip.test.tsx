import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';

import { resetSession, signIn } from '../api/session';
import { slip, type SlipPick } from '../lib/slip';
import { fakeApi, json, renderWithApp, RULES } from '../test/render';
import { BetSlip } from './BetSlip';

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

function pick(overrides: Partial<SlipPick> = {}): SlipPick {
  return {
    gameId: 7,
    market: 'spreads',
    selection: 'home',
    point: '-3.5',
    price: -110,
    stake: '5',
    label: 'Boston Celtics -3.5',
    matchup: 'New York Knicks at Boston Celtics',
    commenceTime: inAnHour(),
    ...overrides,
  };
}

beforeEach(() => {
  slip.reload();
  resetSession();
});

describe('bet slip', () => {
  it('shows what each pick and the whole slip risk and would win', async () => {
    // GIVEN -110 for 5 units and +150 for 2 units on the slip
    fakeApi({ 'GET /api/rules': () => json(RULES) });
    slip.toggle(pick());
    slip.toggle(
      pick({ gameId: 8, market: 'h2h', selection: 'away', point: null, price: 150, stake: '2', label: 'Miami Heat' }),
    );
    // WHEN the slip is shown
    renderWithApp(<BetSlip />);
    // THEN each pick shows its win and the slip its totals, to the cent
    const items = await screen.findAllByRole('listitem');
    expect(within(items[0] as HTMLElement).getByText('4.55')).toBeInTheDocument();
    expect(within(items[1] as HTMLElement).getByText('3.00')).toBeInTheDocument();
    expect(screen.getByText('7.00 units')).toBeInTheDocument();
    expect(screen.getByText('7.55 units')).toBeInTheDocument();
  });

  it('recomputes the win when the stake changes and refuses stakes off the steps', async () => {
    fakeApi({ 'GET /api/rules': () => json(RULES) });
    signIn({ token: 't', username: 'alice', userId: 1, expiresAt: Date.now() + 60_000 });
    slip.toggle(pick({ stake: '1' }));
    renderWithApp(<BetSlip />);
    const stake = await screen.findByLabelText('Stake (units)');
    await userEvent.clear(stake);
    await userEvent.type(stake, '2.5');
    // -110 for 2.5 units: 2.5 × 100 ÷ 110 = 2.2727… → 2.27
    expect(screen.getByText('2.27')).toBeInTheDocument();
    await userEvent.clear(stake);
    await userEvent.type(stake, '1.25');
    expect(screen.getByText('Stake in steps of 0.50 units.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Place 1 pick' })).toBeDisabled();
  });

  it('survives a reload: the picks and stakes come back from storage', () => {
    slip.toggle(pick({ stake: '3' }));
    slip.reload();
    expect(slip.get()).toEqual([pick({ stake: '3', commenceTime: slip.get()[0]?.commenceTime })]);
  });

  it('offers the new line when the API says the line moved, and places the pick once it is accepted', async () => {
    // GIVEN a signed-in player with Celtics -3.5 at -110 on the slip, and an API whose line is now -4 at -105
    signIn({ token: 't', username: 'alice', userId: 1, expiresAt: Date.now() + 60_000 });
    slip.toggle(pick());
    const line = { price: -105, point: '-4.0' };
    const calls = fakeApi({
      'GET /api/rules': () => json(RULES),
      'POST /api/picks': async (request) => {
        const body = (await request.json()) as { picks: { price: number; point: string }[] };
        const sent = body.picks[0];
        if (sent?.price !== line.price || Number(sent?.point) !== Number(line.point)) {
          return json(
            {
              error: {
                code: 'line_moved',
                message: 'The slip was refused (1 pick was refused); nothing was stored.',
                details: [
                  {
                    index: 0,
                    code: 'line_moved',
                    message: 'The line has moved; the current line is attached.',
                    current: { market: 'spreads', selection: 'home', ...line },
                  },
                ],
              },
            },
            409,
          );
        }
        return json({ picks: [{ id: 1 }] }, 201);
      },
    });
    renderWithApp(<BetSlip />);
    // WHEN the player places the slip
    await userEvent.click(await screen.findByRole('button', { name: 'Place 1 pick' }));
    // THEN the pick says the line moved, shows the new line and offers to take it
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The line has moved');
    expect(alert).toHaveTextContent('Now -4 at -105 (you had -3.5 at -110)');
    // WHEN the player accepts it and places the slip again
    await userEvent.click(within(alert).getByRole('button', { name: 'Accept -4 at -105' }));
    expect(screen.getByText('Boston Celtics -4')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Place 1 pick' }));
    // THEN the pick is placed at the new line and the slip empties
    expect(await screen.findByText(/1 pick placed/)).toBeInTheDocument();
    const posts = calls.filter((c) => c.method === 'POST');
    expect(posts).toHaveLength(2);
    expect(posts[1]?.body).toEqual({
      picks: [{ game_id: 7, market: 'spreads', selection: 'home', point: '-4.0', price: -105, stake: '5' }],
    });
    expect(slip.get()).toEqual([]);
  });

  it('shows each refused pick its own reason', async () => {
    signIn({ token: 't', username: 'alice', userId: 1, expiresAt: Date.now() + 60_000 });
    slip.toggle(pick());
    slip.toggle(pick({ gameId: 9, label: 'Utah Jazz -2' }));
    fakeApi({
      'GET /api/rules': () => json(RULES),
      'POST /api/picks': () =>
        json(
          {
            error: {
              code: 'game_started',
              message: 'The slip was refused (1 pick was refused); nothing was stored.',
              details: [
                {
                  index: 1,
                  code: 'game_started',
                  message: 'The game has started; picks on it are closed.',
                  current: null,
                },
              ],
            },
          },
          409,
        ),
    });
    renderWithApp(<BetSlip />);
    await userEvent.click(await screen.findByRole('button', { name: 'Place 2 picks' }));
    const items = screen.getAllByRole('listitem');
    await waitFor(() => expect(items[1]).toHaveTextContent('The game has started; picks on it are closed.'));
    expect(items[0]).not.toHaveTextContent('The game has started');
    expect(slip.get()).toHaveLength(2);
  });
});
