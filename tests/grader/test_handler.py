"""The grader Lambda handler: AWS-shaped SQS batches, partial batch failures, and dead-lettering through the runner."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg

from pickvs.queues import dlq_name
from pickvs.runner import EventSourceRunner, LambdaContext
from pickvs.sqs import queue_url
from services.grader import handler
from tests.builders import PickRow, final, game_info, insert_game, insert_picks, insert_users, stored_totals

D = Decimal
AWS_EVENT = json.loads((Path(__file__).parent / "fixtures" / "sqs_event.json").read_text())
NOT_AN_EVENT = '{"event_type": "game_result", "outcome": "final"}'


def _aws_event(*bodies: str) -> dict[str, Any]:
    """The recorded AWS SQS event with our bodies in its records."""
    event = copy.deepcopy(AWS_EVENT)
    event["Records"] = event["Records"][: len(bodies)]
    for record, body in zip(event["Records"], bodies, strict=True):
        record["body"] = body
    return event


async def test_handler_settles_good_records_and_reports_only_the_bad_one(db: asyncpg.Pool) -> None:
    # GIVEN a batch of three records: two results and, between them, a body that is not a result event
    left, right = game_info("left"), game_info("right")
    game_ids = [await insert_game(db, left), await insert_game(db, right)]
    users = await insert_users(db, 1)
    await insert_picks(db, [PickRow(users[0], g, "h2h", "home", None, 100, D("1")) for g in game_ids])
    event = _aws_event(final(left, 100, 90).model_dump_json(), NOT_AN_EVENT, final(right, 100, 90).model_dump_json())

    # WHEN the Lambda handler gets it
    response = await handler.handle(event, LambdaContext("grader"))

    # THEN only the middle record is reported failed, and both results were settled
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert (await stored_totals(db))[users[0]].wins == 2


async def test_handler_reports_nothing_for_a_duplicate(db: asyncpg.Pool) -> None:
    body = final(game_info(), 100, 90).model_dump_json()
    assert await handler.handle(_aws_event(body, body), LambdaContext("grader")) == {"batchItemFailures": []}
    assert await db.fetchval("SELECT count(*) FROM processed_event") == 1


async def test_a_poison_record_is_dead_lettered_while_its_batch_mates_settle(db: asyncpg.Pool, sqs: Any) -> None:
    # GIVEN three messages on score-events, one of them poison (a score PostgreSQL cannot store)
    games = [game_info(f"g{n}") for n in range(2)]
    game_ids = [await insert_game(db, g) for g in games]
    users = await insert_users(db, 2)
    await insert_picks(db, [PickRow(u, g, "h2h", "away", None, -110, D("2")) for g in game_ids for u in users])
    poison = final(game_info("poison"), 2**40, 1).model_dump_json()
    url = await queue_url(sqs, "score-events")
    for body in (final(games[0], 90, 100).model_dump_json(), poison, final(games[1], 90, 100).model_dump_json()):
        await sqs.send_message(QueueUrl=url, MessageBody=body)

    # WHEN the event-source runner feeds the queue to the handler, retrying at once, until nothing is left
    runner = EventSourceRunner(sqs, url, handler.handle, function_name="grader", wait_seconds=0, retry_delay_seconds=0)
    results = [await runner.poll_once() for _ in range(6)]

    # THEN the good records settled on the first receive, and the poison went to the DLQ after 3 receives
    assert sum(r.deleted for r in results) == 2
    assert sum(r.failed for r in results) == 3
    dlq = await queue_url(sqs, dlq_name("score-events"))
    dead = (await sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"]))["Messages"]
    assert [m["Body"] for m in dead] == [poison]
    assert {t.wins for t in (await stored_totals(db)).values()} == {2}
    assert await db.fetchval("SELECT count(*) FROM game WHERE external_id = 'poison'") == 0


def test_lambda_handler_runs_the_async_handler_on_the_container_loop(monkeypatch) -> None:
    # GIVEN the AWS entry point WHEN invoked synchronously THEN it returns the handler's response from its own loop
    seen: list[dict[str, Any]] = []

    async def fake_handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(event)
        return {"batchItemFailures": []}

    monkeypatch.setattr(handler, "handle", fake_handle)
    event = _aws_event(NOT_AN_EVENT)
    assert handler.lambda_handler(event, None) == {"batchItemFailures": []}
    assert seen == [event]
