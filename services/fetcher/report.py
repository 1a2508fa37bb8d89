"""What a fetch job reports: per sport, what it did, what it spent and why; the whole run's verdict."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class StageOutcome(StrEnum):
    """How a job's work for one sport ended."""

    PUBLISHED = "published"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass
class StageResult:
    """What a job did for one sport."""

    sport: str
    outcome: StageOutcome
    detail: str
    credits: int = 0
    published: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class JobReport:
    """The outcome of one job run; `aborted` is set when the run had to stop (bad key, no credits)."""

    job: str
    started_at: datetime
    results: list[StageResult] = field(default_factory=list)
    aborted: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Tell whether the run finished and no sport failed."""
        return self.aborted is None and all(r.outcome is not StageOutcome.FAILED for r in self.results)

    @property
    def credits(self) -> int:
        """Credits the run spent, over every sport."""
        return sum(r.credits for r in self.results)

    def lines(self) -> list[str]:
        """Describe the run for a terminal or a log."""
        out = [f"{self.job.replace('_', '-')} at {self.started_at:%Y-%m-%d %H:%M:%S}Z: {self.credits} credits"]
        out.extend(f"  {note}" for note in self.notes)
        for r in self.results:
            out.append(f"  {r.sport}: {r.outcome}: {r.detail}")
            out.extend(f"    dropped: {p}" for p in r.problems[:10])
        if self.aborted:
            out.append(f"  aborted: {self.aborted}")
        return out

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data (the Lambda's response)."""
        return {
            "job": self.job,
            "started_at": self.started_at.isoformat(),
            "ok": self.ok,
            "credits": self.credits,
            "aborted": self.aborted,
            "notes": self.notes,
            "results": [{**asdict(r), "outcome": str(r.outcome)} for r in self.results],
        }
