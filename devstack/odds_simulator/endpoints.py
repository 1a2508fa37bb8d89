"""The four Odds API v4 endpoints as pure functions: (feed at an instant, path sport, query) → JSON body and cost.

No aiohttp, no quota bookkeeping: `simulator.py` authenticates, charges and records; this module only answers. Error
codes, statuses and the `{message, error_code, details_url}` body follow the public v4 error-code guide.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from devstack.odds_simulator.knobs import Knobs
from devstack.odds_simulator.pricing import BOOKMAKERS, BOOKMAKERS_BY_KEY, MARKETS, REGIONS, Bookmaker, Outcome, quote
from devstack.odds_simulator.scoreboard import Phase, game_state
from devstack.odds_simulator.slate import OFF_SEASON_SPORTS, Game, Slate, Sport

DETAILS_URL = "https://the-odds-api.com/liveapi/guides/v4/api-error-codes.html"
# The scores endpoint looks back at most 3 days; older games have left the feed altogether.
MAX_DAYS_FROM = 3
FEED_HORIZON = timedelta(days=MAX_DAYS_FROM)
# The API accepts commenceTimeFrom/To only as whole-second UTC with a Z; milliseconds or offsets are refused.
_COMMENCE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
# Bookmakers given by key are billed like regions: each started group of 10 counts as one region.
_BOOKMAKERS_PER_REGION = 10

Json = dict[str, Any]


class ApiError(Exception):
    """An error the real API answers with `{message, error_code, details_url}`."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(f"{status} {error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message

    @property
    def body(self) -> Json:
        """Return the JSON error body, with the anchor of the error code in the guide."""
        anchor = self.error_code.lower().replace("_", "-")
        return {"message": self.message, "error_code": self.error_code, "details_url": f"{DETAILS_URL}#{anchor}"}


def missing_key() -> ApiError:
    """The request had no apiKey query parameter."""
    return ApiError(401, "MISSING_KEY", "API key is missing")


def invalid_key() -> ApiError:
    """The apiKey is not one the simulator knows."""
    return ApiError(401, "INVALID_KEY", "API key is not valid. Get an API key at https://the-odds-api.com")


def out_of_usage_credits() -> ApiError:
    """The month's usage credits cannot cover this request."""
    return ApiError(
        401, "OUT_OF_USAGE_CREDITS", "Usage quota has been reached. See usage plans at https://the-odds-api.com"
    )


def exceeded_freq_limit() -> ApiError:
    """The request was rate limited."""
    return ApiError(
        429,
        "EXCEEDED_FREQ_LIMIT",
        "Requests are being rate limited. Space out requests over several seconds and try again.",
    )


@dataclass(frozen=True)
class Feed:
    """The simulated world at one instant."""

    slate: Slate
    knobs: Knobs
    now: datetime


@dataclass(frozen=True)
class Answer:
    """A successful body and what it costs; an empty body is free, as on the real API."""

    body: list[Json]
    cost: int

    @property
    def charge(self) -> int:
        """Return the credits this answer consumes."""
        return self.cost if self.body else 0


def list_sports(feed: Feed, sport_key: str | None, query: Mapping[str, str]) -> Answer:
    """List in-season sports; with all=true, the out-of-season ones too. Free."""
    show_all = query.get("all", "false")
    if show_all not in ("true", "false"):
        raise ApiError(422, "INVALID_ALL_SPORTS_PARAM", "Invalid all parameter. Must be true or false")
    sports = [_sport_json(sport, active=True) for sport in feed.slate.sports]
    if show_all == "true":
        in_slate = {sport.key for sport in feed.slate.sports}
        sports += [_sport_json(s, active=False) for s in OFF_SEASON_SPORTS if s.key not in in_slate]
    return Answer(sorted(sports, key=lambda s: s["key"]), cost=0)


def list_events(feed: Feed, sport_key: str | None, query: Mapping[str, str]) -> Answer:
    """List a sport's upcoming and live events without odds. Free."""
    games = _sport_games(feed, sport_key)
    date_format = _date_format(query)
    window = _commence_window(query)
    event_ids = _event_ids(query)
    body = [
        _event_json(game, date_format)
        for game in games
        if _listed(feed, game)
        and game_state(game, feed.now, feed.knobs).phase is not Phase.COMPLETED
        and _selected(game, window, event_ids)
    ]
    return Answer(body, cost=0)


def get_odds(feed: Feed, sport_key: str | None, query: Mapping[str, str]) -> Answer:
    """Return pre-match odds for a sport's upcoming games. Costs markets × regions when non-empty."""
    games = _sport_games(feed, sport_key)
    markets = _markets(query)
    books, region_equivalents = _bookmakers(query)
    odds_format = query.get("oddsFormat", "decimal")
    if odds_format not in ("decimal", "american"):
        raise ApiError(422, "INVALID_ODDS_FORMAT", "Invalid oddsFormat. Must be decimal or american")
    date_format = _date_format(query)
    window = _commence_window(query)
    event_ids = _event_ids(query)
    body = []
    for game in games:
        # Live (in-play) odds exist on the real API; the simulator serves pre-match lines only.
        if not (_listed(feed, game) and feed.now < game.commence_time and _selected(game, window, event_ids)):
            continue
        if game.id in feed.knobs.postponed and feed.knobs.postponed[game.id] <= feed.now:
            continue  # books pull a postponed game's lines
        event = _event_json(game, date_format)
        event["bookmakers"] = [
            bookmaker
            for book in books
            if (bookmaker := _bookmaker_json(game, book, feed.now, markets, odds_format, date_format)) is not None
        ]
        body.append(event)
    return Answer(body, cost=len(markets) * region_equivalents)


def get_scores(feed: Feed, sport_key: str | None, query: Mapping[str, str]) -> Answer:
    """Return live and upcoming games and, with daysFrom, recently completed ones. Costs 1, or 2 with daysFrom."""
    games = _sport_games(feed, sport_key)
    days_from = _days_from(query)
    date_format = _date_format(query)
    event_ids = _event_ids(query)
    body = []
    for game in games:
        if not (_listed(feed, game) and _selected(game, (None, None), event_ids)):
            continue
        state = game_state(game, feed.now, feed.knobs)
        if state.completed and (days_from is None or game.commence_time < feed.now - timedelta(days=days_from)):
            continue
        body.append(
            {
                "id": game.id,
                "sport_key": game.sport.key,
                "sport_title": game.sport.title,
                "commence_time": _time(game.commence_time, date_format),
                "completed": state.completed,
                "home_team": game.home_team,
                "away_team": game.away_team,
                # Scores are strings on the real API.
                "scores": None
                if state.home_score is None
                else [
                    {"name": game.home_team, "score": str(state.home_score)},
                    {"name": game.away_team, "score": str(state.away_score)},
                ],
                "last_update": None if state.last_update is None else _time(state.last_update, date_format),
            }
        )
    return Answer(body, cost=1 if days_from is None else 2)


def _sport_json(sport: Sport, *, active: bool) -> Json:
    return {
        "key": sport.key,
        "group": sport.group,
        "title": sport.title,
        "description": sport.description,
        "active": active,
        "has_outrights": sport.has_outrights,
    }


def _sport_games(feed: Feed, sport_key: str | None) -> list[Game]:
    known = {sport.key for sport in feed.slate.sports} | {sport.key for sport in OFF_SEASON_SPORTS}
    if sport_key not in known:
        raise ApiError(404, "UNKNOWN_SPORT", "Unknown sport")
    return feed.slate.games_for(sport_key)


def _listed(feed: Feed, game: Game) -> bool:
    return game.listed_at <= feed.now and game.commence_time >= feed.now - FEED_HORIZON


def _selected(game: Game, window: tuple[datetime | None, datetime | None], event_ids: set[str] | None) -> bool:
    start, end = window
    if start is not None and game.commence_time < start:
        return False
    if end is not None and game.commence_time > end:
        return False
    return event_ids is None or game.id in event_ids


def _event_json(game: Game, date_format: str) -> Json:
    return {
        "id": game.id,
        "sport_key": game.sport.key,
        "sport_title": game.sport.title,
        "commence_time": _time(game.commence_time, date_format),
        "home_team": game.home_team,
        "away_team": game.away_team,
    }


def _bookmaker_json(
    game: Game, book: Bookmaker, now: datetime, markets: list[str], odds_format: str, date_format: str
) -> Json | None:
    priced = quote(game, book, now)
    if priced is None:
        return None
    last_update = _time(priced.last_update, date_format)
    return {
        "key": book.key,
        "title": book.title,
        "last_update": last_update,
        "markets": [
            {
                "key": market,
                "last_update": last_update,
                "outcomes": [_outcome_json(outcome, odds_format) for outcome in priced.markets[market]],
            }
            for market in markets
        ],
    }


def _outcome_json(outcome: Outcome, odds_format: str) -> Json:
    price = outcome.price.american if odds_format == "american" else outcome.price.decimal
    body: Json = {"name": outcome.name, "price": price}
    if outcome.point is not None:
        body["point"] = outcome.point
    return body


def _time(moment: datetime, date_format: str) -> str | int:
    if date_format == "unix":
        return int(moment.timestamp())
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _split(value: str | None) -> list[str]:
    """Split a comma list, dropping blanks and repeats but keeping order."""
    items = [item.strip() for item in (value or "").split(",")]
    return list(dict.fromkeys(item for item in items if item))


def _markets(query: Mapping[str, str]) -> list[str]:
    markets = _split(query.get("markets")) or ["h2h"]
    unknown = [market for market in markets if market not in MARKETS]
    if unknown:
        raise ApiError(422, "INVALID_MARKET", f"Invalid markets: {','.join(unknown)}")
    return markets


def _bookmakers(query: Mapping[str, str]) -> tuple[list[Bookmaker], int]:
    """Resolve bookmakers from `bookmakers` (which wins when both are given) or `regions`; also return the billable
    region count."""
    keys = _split(query.get("bookmakers"))
    if keys:
        unknown = [key for key in keys if key not in BOOKMAKERS_BY_KEY]
        if unknown:
            raise ApiError(422, "INVALID_BOOKMAKERS", f"Invalid bookmakers: {','.join(unknown)}")
        chosen = set(keys)
        return [b for b in BOOKMAKERS if b.key in chosen], math.ceil(len(keys) / _BOOKMAKERS_PER_REGION)
    regions = _split(query.get("regions"))
    if not regions:
        raise ApiError(422, "MISSING_REGION", "Missing regions or bookmakers key")
    unknown = [region for region in regions if region not in REGIONS]
    if unknown:
        raise ApiError(422, "INVALID_REGION", f"Invalid regions: {','.join(unknown)}")
    return [b for b in BOOKMAKERS if b.region in regions], len(regions)


def _date_format(query: Mapping[str, str]) -> str:
    date_format = query.get("dateFormat", "iso")
    if date_format not in ("iso", "unix"):
        raise ApiError(422, "INVALID_DATE_FORMAT", "Invalid dateFormat. Must be iso or unix")
    return date_format


def _commence_window(query: Mapping[str, str]) -> tuple[datetime | None, datetime | None]:
    start = _commence_time(query.get("commenceTimeFrom"), "INVALID_COMMENCE_TIME_FROM", "commenceTimeFrom")
    end = _commence_time(query.get("commenceTimeTo"), "INVALID_COMMENCE_TIME_TO", "commenceTimeTo")
    if start is not None and end is not None and end <= start:
        raise ApiError(422, "INVALID_COMMENCE_TIME_RANGE", "commenceTimeTo must be later than commenceTimeFrom")
    return start, end


def _commence_time(value: str | None, error_code: str, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        if not _COMMENCE_TIME.match(value):
            raise ValueError(value)
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise ApiError(
            422, error_code, f"Invalid {name}. Must be in ISO 8601 format, e.g. 2026-11-25T00:00:00Z"
        ) from None


def _event_ids(query: Mapping[str, str]) -> set[str] | None:
    if "eventIds" not in query:
        return None
    ids = _split(query.get("eventIds"))
    if not ids or any(len(event_id) != 32 for event_id in ids):
        raise ApiError(422, "INVALID_EVENT_IDS", "Invalid eventIds. Each event id must be 32 characters")
    return set(ids)


def _days_from(query: Mapping[str, str]) -> int | None:
    raw = query.get("daysFrom")
    if raw is None:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS_FROM:
        raise ApiError(
            422, "INVALID_SCORES_DAYS_FROM", f"Invalid daysFrom. Must be an integer from 1 to {MAX_DAYS_FROM}"
        )
    return int(raw)
