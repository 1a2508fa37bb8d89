"""fetch-scores: final results for completed games, void for games long overdue, and the smallest look-back."""

from __future__ import annotations

from typing import Any

import asyncpg

from contracts.events import parse_game_result_event
from pickvs.sqs import queue_url
from services.fetcher.jobs import fetch_odds, fetch_scores
from tests.fetcher.conftest import Clock, ingest_runner


async def _results(sqs: Any) -> list[Any]:
    url = await queue_url(sqs, "score-events")
    out = []
    while got := (await sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)).get("Messages"):
        out += [parse_game_result_event(m["Body"]) for m in got]
        await sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
        )
    return out


async def test_completed_games_are_published_final_and_a_postponed_one_void_after_36_hours(
    db: asyncpg.Pool, sqs: Any, simulator: Any, make_deps: Any, clock: Clock
) -> None:
    # GIVEN tonight's games ingested, and one of them postponed before tip-off
    deps = make_deps()
    await fetch_odds(deps)
    await (await ingest_runner(sqs, db)).drain()
    ids = [r["external_id"] for r in await db.fetch("SELECT external_id FROM game ORDER BY commence_time")]
    postponed = ids[0]
    simulator.postpone(postponed)
    # WHEN scores run the next morning
    clock.advance(hours=19)
    first = await fetch_scores(deps)
    results = await _results(sqs)
    # THEN the others are final with their scores, the postponed one is not yet anything, and daysFrom=1 sufficed
    assert first.ok
    assert simulator.calls[-1].params["daysFrom"] == "1"
    assert sorted(e.game.external_id for e in results) == sorted(ids[1:])
    assert all(e.outcome == "final" and e.home_score is not None for e in results)
    # WHEN (results not yet graded) scores run again two days later, 36 h past the postponed tip-off
    clock.advance(days=2)
    await fetch_scores(deps)
    results = await _results(sqs)
    # THEN it looks back 3 days and the postponed game is void with a reason
    assert simulator.calls[-1].params["daysFrom"] == "3"
    (void,) = [e for e in results if e.outcome == "void"]
    assert void.game.external_id == postponed
    assert "not completed 36 h after tip-off" in (void.reason or "")
