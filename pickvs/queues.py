"""The queue names every part of PickVs uses, as plain constants.

`localstack/bootstrap.py` creates the same queues and must stay runnable with boto3 alone inside the LocalStack
container, so it spells the names itself; tests/foundation/test_queues.py proves the two agree.
"""

from __future__ import annotations

GAME_EVENTS_QUEUE = "game-events"
SCORE_EVENTS_QUEUE = "score-events"
QUEUE_NAMES = (GAME_EVENTS_QUEUE, SCORE_EVENTS_QUEUE)


def dlq_name(queue_name: str) -> str:
    """Return the name of a queue's dead-letter queue."""
    return f"{queue_name}-dlq"
