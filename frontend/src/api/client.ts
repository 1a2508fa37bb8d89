// The one way the app talks to the web API: typed by the generated schema, token attached, ETags honoured.
import createClient, { type Middleware } from 'openapi-fetch';

import { etagCache } from './etag';
import type { components, paths } from './schema';
import { expireSession, getSession } from './session';

export type Schemas = components['schemas'];
export type Game = Schemas['GamePublic'];
export type Pick = Schemas['PickPublic'];

// A build-time setting: empty means the API shares the app's origin (the web service serves both).
export const API_BASE_URL: string = import.meta.env.VITE_API_BASE_URL ?? '';

/** An API refusal: the error body's code, message and details, plus Retry-After when the API sent one. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly retryAfter: number | null;

  constructor(status: number, code: string, message: string, details: unknown, retryAfter: number | null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

const auth: Middleware = {
  onRequest({ request }) {
    const session = getSession();
    if (session) request.headers.set('Authorization', `Bearer ${session.token}`);
    return request;
  },
  onResponse({ request, response }) {
    // Our token was refused (expired, or the account is gone): sign out; the layout brings the player to sign in
    // and the bet slip stays where it is (localStorage).
    if (response.status === 401 && request.headers.has('Authorization')) expireSession();
    return response;
  },
};

export function makeClient(fetchImpl?: (request: Request) => Promise<Response>) {
  const client = createClient<paths>({
    baseUrl: API_BASE_URL,
    cache: 'no-store',
    // Looked up per call, so a test can stand in for the network after the client was built.
    fetch: fetchImpl ?? ((request: Request) => globalThis.fetch(request)),
  });
  client.use(auth, etagCache());
  return client;
}

export const api = makeClient();

interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

/** Return the data of an openapi-fetch result, or throw its error body as an ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.data !== undefined) return result.data;
  if (result.response.ok) return undefined as T;
  const body = (result.error ?? {}) as ErrorBody;
  const retry = result.response.headers.get('Retry-After');
  throw new ApiError(
    result.response.status,
    body.error?.code ?? 'http_error',
    body.error?.message ?? `The server answered ${result.response.status}.`,
    body.error?.details ?? null,
    retry !== null && /^\d+$/.test(retry) ? Number(retry) : null,
  );
}

/** A sentence for an error of any kind (network failures included). */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.retryAfter !== null) return `${error.message} Try again in ${formatWait(error.retryAfter)}.`;
    return error.message;
  }
  return 'The server could not be reached. Check your connection and try again.';
}

export function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} min`;
}
