import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router';
import { vi } from 'vitest';

export const RULES = {
  stake: { min: '1', max: '5', step: '0.5' },
  max_picks_per_slip: 20,
  password_min_length: 10,
  leaderboard: {
    default_min_picks: { units: 1, roi: 20, win_rate: 20, rating: 20 },
    rating_prior_picks: 50,
    season_start: '2026-10-20',
  },
  leagues: { max_members: 1000, max_leagues_per_player: 20 },
};

export type Handler = (request: Request) => Response | Promise<Response>;

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });

/** Stand in for the API: each request goes to the first route whose "METHOD /path" matches; the calls are kept. */
export function fakeApi(routes: Record<string, Handler>) {
  const calls: { method: string; path: string; body: unknown }[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
    const request = input as Request;
    const url = new URL(request.url);
    const text = request.method === 'GET' ? '' : await request.clone().text();
    calls.push({ method: request.method, path: url.pathname, body: text ? JSON.parse(text) : null });
    const handler = routes[`${request.method} ${url.pathname}`];
    if (!handler) return json({ error: { code: 'not_found', message: 'No such route.', details: null } }, 404);
    return handler(request);
  });
  return calls;
}

export function renderWithApp(ui: ReactElement, { url = '/' } = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[url]}>{ui}</MemoryRouter>
    </QueryClientProvider>,
  );
}
