"""Read the configured rules (nothing here touches the database)."""

from __future__ import annotations

from services.web.leaderboard.service import DEFAULT_MIN_PICKS, RATING_PRIOR_PICKS
from services.web.rules.schemas import LeaderboardRules, LeagueRules, RulesPublic, StakeRules
from services.web.settings import WebSettings


def get_rules(*, settings: WebSettings) -> RulesPublic:
    """Return the rules this server enforces."""
    return RulesPublic(
        stake=StakeRules(min=settings.stake_min, max=settings.stake_max, step=settings.stake_step),
        max_picks_per_slip=settings.max_picks_per_slip,
        password_min_length=settings.password_min_length,
        leaderboard=LeaderboardRules(
            default_min_picks=dict(DEFAULT_MIN_PICKS),
            rating_prior_picks=RATING_PRIOR_PICKS,
            season_start=settings.season_start,
        ),
        leagues=LeagueRules(
            max_members=settings.league_max_members, max_leagues_per_player=settings.league_max_per_player
        ),
    )
