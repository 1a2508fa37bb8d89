import type { Middleware } from 'openapi-fetch';

// The board and the leaderboard answer with an ETag and 304 to a matching If-None-Match. This middleware keeps the
// last body per URL (and viewer), revalidates with its ETag, and turns a 304 back into that body, so an unchanged
// board costs the server one version lookup and the client no parsing surprises. Requests go out with
// `cache: no-store` so the browser's own HTTP cache neither answers for us nor hides a 304.
interface Entry {
  etag: string;
  body: string;
  contentType: string;
}

export function etagCache(limit = 100): Middleware & { entries: Map<string, Entry> } {
  const entries = new Map<string, Entry>();
  const keyOf = (request: Request) => `${request.headers.get('Authorization') ?? ''} ${request.url}`;
  return {
    entries,
    onRequest({ request }) {
      if (request.method !== 'GET') return undefined;
      const entry = entries.get(keyOf(request));
      if (entry) request.headers.set('If-None-Match', entry.etag);
      return undefined;
    },
    async onResponse({ request, response }) {
      if (request.method !== 'GET') return undefined;
      const key = keyOf(request);
      if (response.status === 304) {
        const entry = entries.get(key);
        if (!entry) return undefined;
        return new Response(entry.body, {
          status: 200,
          headers: { 'Content-Type': entry.contentType, ETag: entry.etag },
        });
      }
      const etag = response.headers.get('ETag');
      if (response.ok && etag) {
        const body = await response.clone().text();
        entries.delete(key);
        entries.set(key, { etag, body, contentType: response.headers.get('Content-Type') ?? 'application/json' });
        if (entries.size > limit) entries.delete(entries.keys().next().value as string);
      }
      return undefined;
    },
  };
}
