"""The test knobs: injected failures, postponed games and late score corrections.

Postponements and corrections carry the simulated instant they were made, so a game's state stays a pure function of
(slate, now, knobs) even when a test moves its clock backwards.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

FailureKind = Literal["500", "503", "429", "timeout"]
FAILURE_KINDS: frozenset[str] = frozenset(get_args(FailureKind))


@dataclass(frozen=True)
class ScoreCorrection:
    """A final score published after the game was first settled."""

    home: int
    away: int
    at: datetime


@dataclass
class Knobs:
    """Mutable switches a test flips on the simulator."""

    failures: deque[FailureKind] = field(default_factory=deque)
    postponed: dict[str, datetime] = field(default_factory=dict)
    corrections: dict[str, ScoreCorrection] = field(default_factory=dict)

    def take_failure(self) -> FailureKind | None:
        """Pop the failure the next request must suffer, if any."""
        return self.failures.popleft() if self.failures else None
