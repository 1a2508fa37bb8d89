import { useLeaderboard, useMyStanding } from '../api/queries';
import { Ranking, useRankingControls } from '../components/Ranking';

export function LeaderboardPage() {
  const [controls, set] = useRankingControls();
  const board = useLeaderboard(controls);
  const standing = useMyStanding(controls);
  return (
    <section aria-labelledby="leaderboard-title" className="leaderboard">
      <h1 id="leaderboard-title">Leaderboard</h1>
      <Ranking controls={controls} set={set} board={board} standing={standing} />
    </section>
  );
}
