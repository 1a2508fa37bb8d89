"""Publishing: SendMessageBatch 10 at a time, Failed entries retried, what still failed returned (never raised), and
bodies the consumers parse."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.events import (
    GameInfo,
    GameOddsEvent,
    GameResultEvent,
    event_json_schemas,
    parse_game_odds_event,
    parse_game_result_event,
)
from pickvs.sqs import queue_url
from services.fetcher.jobs import fetch_odds, fetch_scores
from services.fetcher.publish import Message, publish
from tests.fetcher.conftest import ingest_runner

T0 = datetime(2026, 11, 25, 15, tzinfo=UTC)


def _messages(events: list[GameOddsEvent]) -> list[Message]:
    return [Message(str(i), e.event_id, e.event_type, e.model_dump_json()) for i, e in enumerate(events)]


def _events(n: int) -> list[GameOddsEvent]:
    return [
        GameOddsEvent(
            game=GameInfo(
                external_id=f"game-{i:02d}",
                sport_key="basketball_nba",
                home_team="A",
                away_team="B",
                commence_time=T0 + timedelta(hours=9),
            ),
            fetched_at=T0,
            bookmakers=(),
        )
        for i in range(n)
    ]


class FlakySqs:
    """Wraps the real client; reports chosen entries as Failed (without sending them) the first `times` times."""

    def __init__(self, real: Any, fail_ids: set[str], *, times: int = 1, sender_fault: bool = False) -> None:
        self.real, self.fail_ids, self.times, self.sender_fault = real, fail_ids, times, sender_fault
        self.batches: list[list[str]] = []
        self.failures: list[str] = []

    async def send_message_batch(self, *, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.batches.append([e["Id"] for e in Entries])
        failing = [e for e in Entries if e["Id"] in self.fail_ids and self.failures.count(e["Id"]) < self.times]
        self.failures += [e["Id"] for e in failing]
        sent = [e for e in Entries if e not in failing]
        response = await self.real.send_message_batch(QueueUrl=QueueUrl, Entries=sent) if sent else {"Successful": []}
        response["Failed"] = [
            {"Id": e["Id"], "SenderFault": self.sender_fault, "Code": "InternalError", "Message": "try again"}
            for e in failing
        ]
        return response


async def _bodies(sqs: Any, name: str) -> list[str]:
    url = await queue_url(sqs, name)
    bodies = []
    while True:
        got = (await sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)).get("Messages", [])
        if not got:
            return bodies
        bodies += [m["Body"] for m in got]
        await sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
        )


async def test_a_partially_failed_batch_is_retried_until_every_event_is_sent_once(sqs: Any) -> None:
    # GIVEN 12 events and an SQS that fails entries 3 and 11 of the first attempt
    events = _events(12)
    flaky = FlakySqs(sqs, {"3", "11"})
    url = await queue_url(sqs, "game-events")
    # WHEN they are published
    result = await publish(flaky, url, _messages(events), retry_wait=0)
    # THEN two batches (10 + 2) then one retry of the two failed entries, and each event arrived exactly once
    assert flaky.batches == [[str(i) for i in range(10)], ["10", "11"], ["3", "11"]]
    assert sorted(result.sent, key=int) == [str(i) for i in range(12)] and result.calls == 3 and not result.failed
    received = sorted(parse_game_odds_event(b).game.external_id for b in await _bodies(sqs, "game-events"))
    assert received == [e.game.external_id for e in events]


async def test_entries_still_failing_after_every_attempt_are_returned_with_the_reason(sqs: Any) -> None:
    flaky = FlakySqs(sqs, {"0"}, times=99)
    result = await publish(flaky, await queue_url(sqs, "game-events"), _messages(_events(2)), retry_wait=0)
    assert result.sent == ["1"] and result.failed == {"0": "InternalError: try again"}
    assert len(flaky.batches) == 3


async def test_an_entry_sqs_blames_on_the_sender_is_not_retried(sqs: Any) -> None:
    flaky = FlakySqs(sqs, {"1"}, sender_fault=True)
    result = await publish(flaky, await queue_url(sqs, "game-events"), _messages(_events(2)), retry_wait=0)
    assert result.sent == ["0"] and result.failed == {"1": "InternalError: try again"}
    assert len(flaky.batches) == 1


async def test_a_message_over_sqs_limit_is_returned_unsent_and_its_batch_mates_go(sqs: Any) -> None:
    big = Message("big", "e", "game_odds", "x" * (256 * 1024 + 1))
    result = await publish(sqs, await queue_url(sqs, "game-events"), [big, *_messages(_events(1))], retry_wait=0)
    assert result.sent == ["0"] and "over SQS's 256 KiB message limit" in result.failed["big"]


async def test_published_bodies_parse_with_the_consumers_parse_functions_and_match_the_schemas(
    db: Any, sqs: Any, simulator: Any, make_deps: Any, clock: Any
) -> None:
    # GIVEN odds and (next morning) scores fetched from the simulator
    deps = make_deps()
    await fetch_odds(deps)
    odds_bodies = await _bodies(sqs, "game-events")
    for body in odds_bodies:  # put them back for ingest
        await sqs.send_message(QueueUrl=await queue_url(sqs, "game-events"), MessageBody=body)
    await (await ingest_runner(sqs, db)).drain()
    clock.advance(hours=19)
    await fetch_scores(deps)
    result_bodies = await _bodies(sqs, "score-events")
    # THEN every body is accepted by the consumer's parser, keeps its event id, and validates against the JSON Schema
    import jsonschema

    schemas = event_json_schemas()
    assert odds_bodies and result_bodies
    for body in odds_bodies:
        event = parse_game_odds_event(body)
        assert event.event_id == json.loads(body)["event_id"]
        jsonschema.validate(json.loads(body), schemas["game_odds.v1.json"])
    for body in result_bodies:
        event = parse_game_result_event(body)
        assert isinstance(event, GameResultEvent) and event.outcome == "final"
        jsonschema.validate(json.loads(body), schemas["game_result.v1.json"])
