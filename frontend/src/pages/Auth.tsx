import { useMutation } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';

import { ApiError, api, errorMessage, formatWait, unwrap } from '../api/client';
import { useRules } from '../api/queries';
import { signIn } from '../api/session';

type Field = 'email' | 'username' | 'password';
type FieldErrors = Partial<Record<Field, string>>;

// Pydantic's pattern messages quote a regular expression; say what the pattern means instead.
const PATTERN_HINTS: Partial<Record<Field, string>> = {
  username: 'Use 3–32 letters, digits or underscores.',
  email: 'Enter an email address like name@example.com.',
};

function fieldErrors(error: unknown): FieldErrors {
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return {};
  const errors: FieldErrors = {};
  for (const detail of error.details as { loc?: unknown[]; msg?: string; type?: string }[]) {
    const field = detail.loc?.[detail.loc.length - 1];
    if (field !== 'email' && field !== 'username' && field !== 'password') continue;
    let text: string;
    if (error.code === 'username_taken' || error.code === 'email_taken') text = error.message;
    else if (field === 'password' && error.code === 'weak_password')
      text = `The password ${detail.msg ?? 'is too weak'}.`;
    else if (detail.type === 'string_pattern_mismatch' && PATTERN_HINTS[field]) text = PATTERN_HINTS[field] as string;
    else text = detail.msg ?? 'Not valid.';
    errors[field] = errors[field] ? `${errors[field]} ${text}` : text;
  }
  return errors;
}

function formMessage(error: unknown): string | null {
  if (error instanceof ApiError && error.status === 429) {
    return `${error.message} Wait ${formatWait(error.retryAfter ?? 60)} before trying again.`;
  }
  if (Object.keys(fieldErrors(error)).length > 0) return 'Please correct the fields marked below.';
  return error ? errorMessage(error) : null;
}

function safeNext(next: string | null): string {
  // Only paths of this app: never an open redirect to another origin.
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

function TextField({
  name,
  label,
  type = 'text',
  autoComplete,
  error,
  hint,
}: {
  name: Field;
  label: string;
  type?: string;
  autoComplete: string;
  error?: string;
  hint?: string;
}) {
  const hintId = `${name}-hint`;
  const errorId = `${name}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      <input
        id={name}
        name={name}
        type={type}
        autoComplete={autoComplete}
        required
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
      />
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="error-text">
          {error}
        </p>
      )}
    </div>
  );
}

function useAuth(path: '/auth/login' | '/auth/register') {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  return useMutation({
    mutationFn: async (form: FormData) => {
      const value = (k: string) => String(form.get(k) ?? '');
      const result =
        path === '/auth/login'
          ? await api.POST('/auth/login', {
              body: { username: value('username'), password: value('password') },
            })
          : await api.POST('/auth/register', {
              body: { email: value('email'), username: value('username'), password: value('password') },
            });
      return unwrap(result) as { access_token: string; expires_in: number; user: { id: number; username: string } };
    },
    onSuccess: (token) => {
      signIn({
        token: token.access_token,
        username: token.user.username,
        userId: token.user.id,
        expiresAt: Date.now() + token.expires_in * 1000,
      });
      navigate(safeNext(params.get('next')), { replace: true });
    },
  });
}

export function SignInPage() {
  const [params] = useSearchParams();
  const login = useAuth('/auth/login');
  const message = formMessage(login.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    login.mutate(new FormData(e.currentTarget));
  };
  return (
    <section className="auth" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in</h1>
      {params.get('expired') && (
        <p role="status" className="notice">
          Your session has expired. Sign in again; your bet slip is kept.
        </p>
      )}
      <form onSubmit={onSubmit} noValidate>
        <TextField name="username" label="Username or email" autoComplete="username" />
        <TextField name="password" label="Password" type="password" autoComplete="current-password" />
        {message && (
          <p role="alert" className="notice error">
            {message}
          </p>
        )}
        <button type="submit" className="primary" disabled={login.isPending}>
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        New here?{' '}
        <Link to={`/signup${params.get('next') ? `?next=${encodeURIComponent(params.get('next') ?? '/')}` : ''}`}>
          Create an account
        </Link>
      </p>
    </section>
  );
}

export function SignUpPage() {
  const [params] = useSearchParams();
  const rules = useRules();
  const register = useAuth('/auth/register');
  const errors = fieldErrors(register.error);
  const message = formMessage(register.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    register.mutate(new FormData(e.currentTarget));
  };
  const min = rules.data?.password_min_length;
  return (
    <section className="auth" aria-labelledby="signup-title">
      <h1 id="signup-title">Create your account</h1>
      <form onSubmit={onSubmit} noValidate>
        <TextField name="email" label="Email" type="email" autoComplete="email" error={errors.email} />
        <TextField
          name="username"
          label="Username"
          autoComplete="username"
          error={errors.username}
          hint="3–32 letters, digits or underscores; shown on the leaderboard."
        />
        <TextField
          name="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          error={errors.password}
          hint={min ? `At least ${min} characters; a few unrelated words make a strong one.` : undefined}
        />
        {message && (
          <p role="alert" className="notice error">
            {message}
          </p>
        )}
        <button type="submit" className="primary" disabled={register.isPending}>
          {register.isPending ? 'Creating…' : 'Sign up'}
        </button>
      </form>
      <p>
        Already playing?{' '}
        <Link to={`/signin${params.get('next') ? `?next=${encodeURIComponent(params.get('next') ?? '/')}` : ''}`}>
          Sign in
        </Link>
      </p>
    </section>
  );
}
