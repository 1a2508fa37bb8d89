import { useEffect } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';

import { acknowledgeExpiry, sessionExpired, signOut, useSession } from '../api/session';
import { setOddsFormat, useOddsFormat } from '../lib/preferences';
import { useSlip } from '../lib/slip';

export function Layout() {
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const format = useOddsFormat();
  const slipCount = useSlip().length;

  useEffect(() => {
    // The API refused our token: back to sign-in, keeping where the player was (the slip lives in localStorage).
    if (session === null && sessionExpired() && location.pathname !== '/signin') {
      const next = encodeURIComponent(location.pathname + location.search);
      acknowledgeExpiry();
      navigate(`/signin?expired=1&next=${next}`, { replace: true });
    }
  }, [session, location, navigate]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link to="/" className="brand" aria-label="PickVs home">
          PickVs
        </Link>
        <nav aria-label="Main">
          <ul>
            <li>
              <NavLink to="/" end>
                Board
              </NavLink>
            </li>
            <li>
              <NavLink to="/my-picks">My picks</NavLink>
            </li>
            <li>
              <NavLink to="/leaderboard">Leaderboard</NavLink>
            </li>
            <li>
              <NavLink to="/leagues">Leagues</NavLink>
            </li>
          </ul>
        </nav>
        <div className="header-tools">
          <Link to="/#slip" className="slip-link">
            Slip <span className="count">{slipCount}</span>
            <span className="visually-hidden"> picks</span>
          </Link>
          <label className="odds-format">
            <span>Odds</span>
            <select
              value={format}
              onChange={(e) => setOddsFormat(e.target.value === 'decimal' ? 'decimal' : 'american')}
            >
              <option value="american">American</option>
              <option value="decimal">Decimal</option>
            </select>
          </label>
          {session ? (
            <span className="account">
              <Link to={`/players/${session.username}`}>{session.username}</Link>
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  signOut();
                  navigate('/');
                }}
              >
                Sign out
              </button>
            </span>
          ) : (
            <span className="account">
              <Link to="/signin">Sign in</Link>
              <Link to="/signup" className="button-link">
                Sign up
              </Link>
            </span>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
