import { describe, expect, it } from 'vitest';

import { makeClient } from './client';

describe('ETag revalidation', () => {
  it('sends the last ETag back and serves the kept body on a 304', async () => {
    // GIVEN an API that answers the board with an ETag, then 304 to that ETag
    const seen: (string | null)[] = [];
    const board = { games: [] };
    const client = makeClient(async (request: Request) => {
      seen.push(request.headers.get('If-None-Match'));
      if (request.headers.get('If-None-Match') === '"v1"')
        return new Response(null, { status: 304, headers: { ETag: '"v1"' } });
      return new Response(JSON.stringify(board), {
        status: 200,
        headers: { ETag: '"v1"', 'Content-Type': 'application/json' },
      });
    });
    // WHEN the board is read twice
    const first = await client.GET('/api/games/upcoming');
    const second = await client.GET('/api/games/upcoming');
    // THEN the second read revalidates with the ETag and still yields the board
    expect(seen).toEqual([null, '"v1"']);
    expect(first.data).toEqual(board);
    expect(second.data).toEqual(board);
    expect(second.response.status).toBe(200);
  });
});
