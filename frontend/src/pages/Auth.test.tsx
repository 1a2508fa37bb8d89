import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { fakeApi, json, renderWithApp, RULES } from '../test/render';
import { SignInPage, SignUpPage } from './Auth';

async function fillSignUp(password = 'amber-quartz-lantern-meadow') {
  await userEvent.type(screen.getByLabelText('Email'), 'alice@example.com');
  await userEvent.type(screen.getByLabelText('Username'), 'alice');
  await userEvent.type(screen.getByLabelText('Password'), password);
  await userEvent.click(screen.getByRole('button', { name: 'Sign up' }));
}

describe('sign up and sign in', () => {
  it('shows the password rules the API refused next to the password', async () => {
    // GIVEN an API that refuses the password as too short and equal to the username
    fakeApi({
      'GET /api/rules': () => json(RULES),
      'POST /auth/register': () =>
        json(
          {
            error: {
              code: 'weak_password',
              message: 'The password does not meet the policy.',
              details: [
                { loc: ['body', 'password'], msg: 'must be at least 10 characters' },
                { loc: ['body', 'password'], msg: 'must not be your username or email' },
              ],
            },
          },
          422,
        ),
    });
    renderWithApp(<SignUpPage />);
    await fillSignUp('alice');
    // THEN both rules are shown with the password field, which is marked invalid and described by them
    const password = screen.getByLabelText('Password');
    await screen.findByText(/must be at least 10 characters/);
    expect(password).toHaveAttribute('aria-invalid', 'true');
    expect(password).toHaveAccessibleDescription(
      'At least 10 characters; a few unrelated words make a strong one. The password must be at least 10 characters. The password must not be your username or email.',
    );
  });

  it('shows a taken username next to the username', async () => {
    fakeApi({
      'GET /api/rules': () => json(RULES),
      'POST /auth/register': () =>
        json(
          {
            error: {
              code: 'username_taken',
              message: 'That username is already taken.',
              details: [{ loc: ['body', 'username'] }],
            },
          },
          409,
        ),
    });
    renderWithApp(<SignUpPage />);
    await fillSignUp();
    expect(await screen.findByText('That username is already taken.')).toBeInTheDocument();
    expect(screen.getByLabelText('Username')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Email')).not.toHaveAttribute('aria-invalid');
  });

  it('says how long to wait when logins are rate limited', async () => {
    // GIVEN an API that answers 429 with Retry-After: 125
    fakeApi({
      'POST /auth/login': () =>
        json(
          {
            error: {
              code: 'too_many_attempts',
              message: 'Too many failed logins; try again later.',
              details: { retry_after_seconds: 125 },
            },
          },
          429,
          { 'Retry-After': '125' },
        ),
    });
    renderWithApp(<SignInPage />);
    await userEvent.type(screen.getByLabelText('Username or email'), 'alice');
    await userEvent.type(screen.getByLabelText('Password'), 'whatever-it-was');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    // THEN the form says to wait, rounded up to whole minutes
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Too many failed logins; try again later. Wait 3 min before trying again.',
    );
  });
});
