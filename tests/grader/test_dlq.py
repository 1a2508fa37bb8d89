"""`pickvs dlq list|redrive`: what sits in a dead-letter queue, why it fails now, and sending it back."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from pickvs.cli import main
from pickvs.queues import dlq_name
from pickvs.runner import EventSourceRunner
from pickvs.sqs import queue_url
from services.grader import handler
from services.grader.dlq import list_dead_letters, redrive, result_checker, summarize
from tests.builders import final, game_info

UNPARSEABLE = '{"event_type": "game_result", "game": {"external_id": "x"}, "outcome": "final"}'


async def _dead_letter(sqs: Any, *bodies: str) -> None:
    url = await queue_url(sqs, dlq_name("score-events"))
    for body in bodies:
        await sqs.send_message(QueueUrl=url, MessageBody=body)


async def _depth(sqs: Any, name: str) -> int:
    url = await queue_url(sqs, name)
    attributes = await sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


async def test_list_says_why_each_dead_letter_fails_and_leaves_them_in_place(db: asyncpg.Pool, sqs: Any) -> None:
    # GIVEN three dead letters: one that does not parse, one that cannot settle, one whose cause is gone
    good = final(game_info("fixed-now"), 101, 99).model_dump_json()
    cannot_settle = final(game_info("huge"), 2**40, 1).model_dump_json()
    await _dead_letter(sqs, UNPARSEABLE, cannot_settle, good)

    # WHEN they are listed
    letters = await list_dead_letters(sqs, "score-events", check=result_checker(db))

    # THEN each has a summary and the reason it fails now, the dry run changed nothing, and all are still there
    by_summary = {letter.summary: letter.problem for letter in letters}
    assert by_summary["game_result x final None-None"] == (
        "does not parse: body: Value error, a final result needs home_score and away_score"
    )
    assert by_summary[f"game_result huge final {2**40}-1"].startswith("settling fails:")
    assert by_summary["game_result fixed-now final 101-99"] == "settles now: safe to redrive"
    assert all(letter.receive_count == 0 and letter.sent_at is not None for letter in letters)
    assert await db.fetchval("SELECT count(*) FROM game") == 0
    assert await _depth(sqs, "score-events-dlq") == 3
    again = await list_dead_letters(sqs, "score-events")
    assert sorted(letter.message_id for letter in again) == sorted(letter.message_id for letter in letters)


async def test_a_dead_lettered_message_shows_how_often_it_was_tried(db: asyncpg.Pool, sqs: Any) -> None:
    # GIVEN a poison message that the runner tried until SQS dead-lettered it
    url = await queue_url(sqs, "score-events")
    await sqs.send_message(QueueUrl=url, MessageBody=UNPARSEABLE)
    runner = EventSourceRunner(sqs, url, handler.handle, wait_seconds=0, retry_delay_seconds=0)
    for _ in range(4):
        await runner.poll_once()

    # WHEN the DLQ is listed THEN the message is there with its receive count
    letters = await list_dead_letters(sqs, "score-events", check=result_checker(db))
    assert len(letters) == 1 and letters[0].problem.startswith("does not parse")
    assert letters[0].receive_count >= 3


async def test_redrive_sends_every_dead_letter_back_and_the_grader_settles_it(db: asyncpg.Pool, sqs: Any) -> None:
    # GIVEN 12 dead letters (more than one SQS batch) whose cause has been fixed
    bodies = [final(game_info(f"g{n}"), 100 + n, 99).model_dump_json() for n in range(12)]
    await _dead_letter(sqs, *bodies)

    # WHEN they are redriven
    moved = await redrive(sqs, "score-events")

    # THEN all moved, the DLQ is empty, and the grader settles every one from the source queue
    assert moved == 12
    assert await _depth(sqs, "score-events-dlq") == 0
    runner = EventSourceRunner(sqs, await queue_url(sqs, "score-events"), handler.handle, wait_seconds=0)
    await runner.drain()
    assert await db.fetchval("SELECT count(*) FROM game WHERE status = 'final'") == 12


async def test_dlq_commands_list_and_redrive(db: asyncpg.Pool, sqs: Any, capsys) -> None:
    await _dead_letter(sqs, UNPARSEABLE)

    assert await asyncio.to_thread(main, ["dlq", "list", "score-events"]) == 0
    listing = capsys.readouterr().out
    assert "1 message(s) in score-events-dlq" in listing and "does not parse" in listing

    assert await asyncio.to_thread(main, ["dlq", "redrive", "score-events-dlq"]) == 0
    assert "moved 1 message(s)" in capsys.readouterr().out
    assert await _depth(sqs, "score-events") == 1

    assert await asyncio.to_thread(main, ["dlq", "list", "nope"]) == 1
    assert "unknown queue" in capsys.readouterr().err


def test_summaries_name_what_a_body_is_even_when_it_is_no_event() -> None:
    assert summarize(final(game_info("g"), 3, 2).model_dump_json()) == "game_result g final 3-2"
    assert summarize("<html>") == "not JSON: '<html>'"
    assert summarize('{"oops": 1}') == 'not an event: {"oops": 1}'
    assert summarize("[1, 2]") == "JSON list: [1, 2]"
