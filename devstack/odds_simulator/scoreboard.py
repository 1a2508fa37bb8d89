"""Where a game stands at an instant: upcoming, live with a partial score, or completed — a pure function, no I/O."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from devstack.odds_simulator.knobs import Knobs
from devstack.odds_simulator.slate import Game

# The real feed refreshes live scores roughly every 30 seconds; partial scores and last_update move in these steps.
LIVE_SCORE_STEP = timedelta(seconds=30)


class Phase(StrEnum):
    """A game's phase as the feed reports it."""

    UPCOMING = "upcoming"
    LIVE = "live"
    COMPLETED = "completed"


@dataclass(frozen=True)
class GameState:
    """What the scores endpoint says about a game at one instant."""

    phase: Phase
    home_score: int | None
    away_score: int | None
    last_update: datetime | None
    postponed: bool = False

    @property
    def completed(self) -> bool:
        """Tell whether the score is final."""
        return self.phase is Phase.COMPLETED


def game_state(game: Game, now: datetime, knobs: Knobs) -> GameState:
    """Derive a game's phase, score and last update at `now`, honouring postponements and corrections."""
    postponed_at = knobs.postponed.get(game.id)
    if postponed_at is not None and postponed_at <= now:
        # A postponed game never completes: whatever it showed when postponed stays frozen.
        frozen = _progress(game, postponed_at)
        return GameState(Phase.UPCOMING if frozen.phase is Phase.UPCOMING else Phase.LIVE,
                         frozen.home_score, frozen.away_score, frozen.last_update, postponed=True)  # fmt: skip
    state = _progress(game, now)
    correction = knobs.corrections.get(game.id)
    if state.completed and correction is not None and correction.at <= now:
        return GameState(Phase.COMPLETED, correction.home, correction.away, max(game.ends_at, correction.at))
    return state


def _progress(game: Game, now: datetime) -> GameState:
    if now < game.commence_time:
        return GameState(Phase.UPCOMING, None, None, None)
    if now >= game.ends_at:
        return GameState(Phase.COMPLETED, game.final_home, game.final_away, game.ends_at)
    step = (now - game.commence_time) // LIVE_SCORE_STEP
    updated = game.commence_time + step * LIVE_SCORE_STEP
    share = (updated - game.commence_time) / game.duration
    return GameState(Phase.LIVE, math.floor(game.final_home * share), math.floor(game.final_away * share), updated)
