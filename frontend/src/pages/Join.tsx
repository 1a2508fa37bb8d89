import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Link, useNavigate, useParams } from 'react-router';

import { api, unwrap } from '../api/client';
import { useSession } from '../api/session';
import { Failure } from '../components/Status';
import { inviteCodeFrom } from '../lib/invite';

/** /join/<code>: a signed-in player joins and lands in the league; anyone else signs up (or in) first, then comes back. */
export function JoinPage() {
  const { code: raw = '' } = useParams();
  const code = inviteCodeFrom(raw);
  const session = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const join = useMutation({
    mutationFn: async (invite: string) => unwrap(await api.POST('/api/leagues/join', { body: { code: invite } })),
    onSuccess: (league) => {
      void queryClient.invalidateQueries({ queryKey: ['leagues'] });
      navigate(`/leagues/${league.id}`, { replace: true, state: { joined: league.name } });
    },
  });
  // Once per code and player: React may run an effect twice in development, and a join is worth one request.
  const asked = useRef<string | null>(null);
  const { mutate } = join;
  useEffect(() => {
    if (!session || code === null) return;
    const key = `${session.userId}:${code}`;
    if (asked.current === key) return;
    asked.current = key;
    mutate(code);
  }, [session, code, mutate]);

  const next = encodeURIComponent(`/join/${raw}`);
  return (
    <section aria-labelledby="join-title" className="join">
      <h1 id="join-title">Join a league</h1>
      {code === null ? (
        <div role="alert" className="notice error">
          <p>This is not a PickVs invite link: its code should be 16 letters, digits, dashes or underscores.</p>
          <p>
            <Link to="/leagues">Go to your leagues</Link>
          </p>
        </div>
      ) : !session ? (
        <div className="notice">
          <p>You have been invited to a private league on PickVs. Sign up (or sign in) and you will land in it.</p>
          <p className="actions">
            <Link to={`/signup?next=${next}`} className="button-link">
              Sign up to join
            </Link>
            <Link to={`/signin?next=${next}`}>I have an account: sign in</Link>
          </p>
        </div>
      ) : join.isError ? (
        <>
          <Failure error={join.error} />
          <p>
            <Link to="/leagues">Go to your leagues</Link>
          </p>
        </>
      ) : (
        <p role="status" className="muted">
          Joining the league…
        </p>
      )}
    </section>
  );
}
