"""The schedule the simulator serves: which games exist, when they tip off, their opening lines and final scores.

Everything is decided up front and deterministically from a seed, so two simulators built with the same arguments serve
identical ids, lines and results. What a client *sees* at a given instant is derived later (see `scoreboard.py` and
`pricing.py`); nothing here reads a clock.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


@dataclass(frozen=True)
class Sport:
    """One entry of `GET /v4/sports`."""

    key: str
    group: str
    title: str
    description: str
    has_outrights: bool = False


NBA = Sport(key="basketball_nba", group="Basketball", title="NBA", description="US Basketball")
NFL = Sport(key="americanfootball_nfl", group="American Football", title="NFL", description="US Football")
# Known to the API but out of season: `/sports?all=true` lists them and their feeds are empty.
OFF_SEASON_SPORTS = (
    Sport(key="baseball_mlb", group="Baseball", title="MLB", description="Major League Baseball"),
    Sport(key="basketball_wnba", group="Basketball", title="WNBA", description="US Basketball"),
)

NBA_TEAMS = (
    "Atlanta Hawks", "Boston Celtics", "Brooklyn Nets", "Charlotte Hornets", "Chicago Bulls", "Cleveland Cavaliers",
    "Dallas Mavericks", "Denver Nuggets", "Detroit Pistons", "Golden State Warriors", "Houston Rockets",
    "Indiana Pacers", "Los Angeles Clippers", "Los Angeles Lakers", "Memphis Grizzlies", "Miami Heat",
    "Milwaukee Bucks", "Minnesota Timberwolves", "New Orleans Pelicans", "New York Knicks", "Oklahoma City Thunder",
    "Orlando Magic", "Philadelphia 76ers", "Phoenix Suns", "Portland Trail Blazers", "Sacramento Kings",
    "San Antonio Spurs", "Toronto Raptors", "Utah Jazz", "Washington Wizards",
)  # fmt: skip

NFL_TEAMS = (
    "Arizona Cardinals", "Atlanta Falcons", "Baltimore Ravens", "Buffalo Bills", "Carolina Panthers", "Chicago Bears",
    "Cincinnati Bengals", "Cleveland Browns", "Dallas Cowboys", "Denver Broncos", "Detroit Lions", "Green Bay Packers",
    "Houston Texans", "Indianapolis Colts", "Jacksonville Jaguars", "Kansas City Chiefs", "Las Vegas Raiders",
    "Los Angeles Chargers", "Los Angeles Rams", "Miami Dolphins", "Minnesota Vikings", "New England Patriots",
    "New Orleans Saints", "New York Giants", "New York Jets", "Philadelphia Eagles", "Pittsburgh Steelers",
    "San Francisco 49ers", "Seattle Seahawks", "Tampa Bay Buccaneers", "Tennessee Titans", "Washington Commanders",
)  # fmt: skip

# NBA tip-offs as minutes after midnight UTC of the US calendar day: 23:00 to 03:30 UTC is 6 pm to 10:30 pm Eastern.
# Repeats weight the 7 pm and 7:30 pm Eastern slots, as on a real slate.
_NBA_TIPS = (1380, 1410, 1440, 1440, 1440, 1470, 1470, 1500, 1500, 1560, 1590, 1620, 1650)

# NFL week, from the Thursday: (days after Thursday, minutes after midnight UTC, games). 18:00 UTC is 1 pm Eastern.
_NFL_SLOTS = (
    (0, 1515, 1),   # Thursday night, 01:15 UTC Friday
    (3, 1080, 8),   # Sunday early window
    (3, 1265, 2),   # Sunday 4:05 pm Eastern
    (3, 1285, 2),   # Sunday 4:25 pm Eastern
    (3, 1520, 1),   # Sunday night, 01:20 UTC Monday
    (4, 1515, 1),   # Monday night, 01:15 UTC Tuesday
)  # fmt: skip


@dataclass(frozen=True)
class _ScoringModel:
    """How a sport's lines and scores are drawn; margins are home minus away."""

    home_edge: float
    margin_sd: float
    total_low: float
    total_high: float
    total_sd: float
    team_score_min: int
    team_score_max: int
    tie_rate: float  # how often a game ends level after overtime; 0 where overtime always finds a winner
    overtime_margins: tuple[int, ...]  # how a game level at full time is decided
    listing_lead: timedelta  # how long before tip-off the game appears in the feed with odds


_NBA_MODEL = _ScoringModel(
    home_edge=2.0, margin_sd=12.0, total_low=212.0, total_high=238.0, total_sd=15.0,
    team_score_min=88, team_score_max=148, tie_rate=0.0, overtime_margins=(1, 2, 3, 4, 5, 6),
    listing_lead=timedelta(days=2),
)  # fmt: skip
_NFL_MODEL = _ScoringModel(
    home_edge=1.5, margin_sd=13.5, total_low=38.0, total_high=51.0, total_sd=10.0,
    team_score_min=0, team_score_max=52, tie_rate=0.005, overtime_margins=(3, 3, 3, 6),
    listing_lead=timedelta(days=6),
)  # fmt: skip

# Share of games whose final margin (total) lands exactly on an integer opening spread (total): real seasons have
# pushes and the grader must meet them.
_PUSH_RATE = 0.15

REAL_ODDS_INTERVAL = timedelta(hours=6)


@dataclass(frozen=True)
class Game:
    """A scheduled game with everything needed to replay it: lines at open, final score, timing."""

    id: str
    sport: Sport
    home_team: str
    away_team: str
    commence_time: datetime
    duration: timedelta
    listed_at: datetime
    opening_spread: float  # the home side's point, e.g. -6.5 when the home team is favoured
    opening_total: float
    final_home: int
    final_away: int
    margin_sd: float  # turns a spread into a win probability for the moneyline
    odds_interval: timedelta  # lines may move once per interval

    @property
    def ends_at(self) -> datetime:
        """The instant the game is final."""
        return self.commence_time + self.duration


@dataclass(frozen=True)
class Slate:
    """A fixed set of games and the sports they belong to."""

    games: tuple[Game, ...]
    sports: tuple[Sport, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {game.id: game for game in self.games})

    def game(self, event_id: str) -> Game:
        """Return the game with this event id or raise KeyError."""
        return self._by_id[event_id]  # type: ignore[attr-defined]

    def games_for(self, sport_key: str) -> list[Game]:
        """Return a sport's games ordered by tip-off."""
        return sorted((g for g in self.games if g.sport.key == sport_key), key=lambda g: (g.commence_time, g.id))

    @classmethod
    def nba_season(
        cls,
        start: datetime,
        days: int = 40,
        seed: int = 7,
        *,
        duration: timedelta = timedelta(hours=2, minutes=30),
        nfl_duration: timedelta = timedelta(hours=3, minutes=15),
        include_nfl: bool = True,
    ) -> Slate:
        """Build `days` US calendar days of NBA games from `start` (0 to 11 a day), plus NFL Thu/Sun/Mon games."""
        _require_aware(start)
        games = _nba_games(start, days, seed, duration)
        sports = [NBA]
        if include_nfl:
            games += _nfl_games(start, days, seed, nfl_duration)
            sports.append(NFL)
        return cls(games=tuple(sorted(games, key=lambda g: (g.commence_time, g.id))), sports=tuple(sports))

    @classmethod
    def demo(
        cls,
        start: datetime,
        games: int = 6,
        first_tip_in: timedelta = timedelta(minutes=2),
        spacing: timedelta = timedelta(minutes=1),
        duration: timedelta = timedelta(minutes=3),
        seed: int = 7,
    ) -> Slate:
        """Build a compressed NBA slate: listed at `start`, tipping off minutes later, all final within ~10 minutes."""
        _require_aware(start)
        start = start.replace(microsecond=0)  # the feed's timestamps are whole seconds
        if not 1 <= games <= len(NBA_TEAMS) // 2:
            raise ValueError(f"a demo slate holds 1 to {len(NBA_TEAMS) // 2} games, got {games}")
        rng = random.Random(f"{seed}:demo")
        ratings = _ratings(NBA_TEAMS, seed, "nba")
        teams = rng.sample(NBA_TEAMS, 2 * games)
        slate_games = [
            _draw_game(
                rng, NBA, _NBA_MODEL, seed,
                home=teams[2 * i], away=teams[2 * i + 1], ratings=ratings,
                commence=start + first_tip_in + i * spacing, duration=duration,
                listed_at=start, odds_interval=timedelta(seconds=30),
            )
            for i in range(games)
        ]  # fmt: skip
        return cls(games=tuple(slate_games), sports=(NBA,))


def event_id(seed: int, sport_key: str, commence: datetime, home: str, away: str) -> str:
    """Derive a 32-hex-character event id, the shape the real API uses."""
    return hashlib.md5(f"{seed}|{sport_key}|{commence.isoformat()}|{home}|{away}".encode()).hexdigest()


def _require_aware(start: datetime) -> None:
    if start.tzinfo is None:
        raise ValueError("slate start must be timezone-aware (UTC)")


def _at(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time(0), UTC) + timedelta(minutes=minutes)


def _ratings(teams: tuple[str, ...], seed: int, league: str) -> dict[str, float]:
    rng = random.Random(f"{seed}:{league}:ratings")
    return {team: rng.uniform(-7.0, 7.0) for team in teams}


def _nba_games(start: datetime, days: int, seed: int, duration: timedelta) -> list[Game]:
    ratings = _ratings(NBA_TEAMS, seed, "nba")
    first_day = start.astimezone(UTC).date()
    games: list[Game] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        rng = random.Random(f"{seed}:nba:{day.isoformat()}")
        count = 0 if rng.random() < 0.12 else rng.randint(1, 11)
        if offset == 0:
            count = max(count, 3)  # a fresh dev stack should have something to show on its first evening
        teams = rng.sample(NBA_TEAMS, 2 * count)
        tips = sorted(rng.choice(_NBA_TIPS) for _ in range(count))
        for i, tip in enumerate(tips):
            commence = _at(day, tip)
            games.append(
                _draw_game(
                    rng, NBA, _NBA_MODEL, seed,
                    home=teams[2 * i], away=teams[2 * i + 1], ratings=ratings,
                    commence=commence, duration=duration,
                    listed_at=commence - _NBA_MODEL.listing_lead, odds_interval=REAL_ODDS_INTERVAL,
                )
            )  # fmt: skip
    return games


def _nfl_games(start: datetime, days: int, seed: int, duration: timedelta) -> list[Game]:
    ratings = _ratings(NFL_TEAMS, seed, "nfl")
    first_day = start.astimezone(UTC).date()
    last_day = first_day + timedelta(days=days)
    # Weeks run Thursday to Monday; start from the Thursday on or before the first day so a slate beginning on a
    # Sunday still gets that Sunday's games.
    thursday = first_day - timedelta(days=(first_day.weekday() - 3) % 7)
    games: list[Game] = []
    while thursday < last_day:
        rng = random.Random(f"{seed}:nfl:{thursday.isoformat()}")
        teams = iter(rng.sample(NFL_TEAMS, 30))  # two teams on a bye
        for days_after, minutes, count in _NFL_SLOTS:
            day = thursday + timedelta(days=days_after)
            for _ in range(count):
                home, away = next(teams), next(teams)
                if not first_day <= day < last_day:
                    continue
                commence = _at(day, minutes)
                games.append(
                    _draw_game(
                        rng, NFL, _NFL_MODEL, seed,
                        home=home, away=away, ratings=ratings, commence=commence, duration=duration,
                        listed_at=commence - _NFL_MODEL.listing_lead, odds_interval=REAL_ODDS_INTERVAL,
                    )
                )  # fmt: skip
        thursday += timedelta(days=7)
    return games


def _half(value: float) -> float:
    """Round to the nearest half point, the granularity of every line."""
    return round(value * 2) / 2 + 0.0  # + 0.0 turns -0.0 into 0.0


def _draw_game(
    rng: random.Random,
    sport: Sport,
    model: _ScoringModel,
    seed: int,
    *,
    home: str,
    away: str,
    ratings: dict[str, float],
    commence: datetime,
    duration: timedelta,
    listed_at: datetime,
    odds_interval: timedelta,
) -> Game:
    expected_margin = ratings[home] - ratings[away] + model.home_edge + rng.gauss(0.0, 1.5)
    spread = _half(-expected_margin)
    total = _half(rng.uniform(model.total_low, model.total_high))
    margin = round(expected_margin + rng.gauss(0.0, model.margin_sd))
    points = round(total + rng.gauss(0.0, model.total_sd))
    push_spread = spread.is_integer() and spread != 0 and rng.random() < _PUSH_RATE
    push_total = total.is_integer() and rng.random() < _PUSH_RATE
    if push_spread:
        margin = int(-spread)
    if push_total:
        points = int(total)
    tie = rng.random() < model.tie_rate
    if tie:
        margin = 0
    elif margin == 0:
        margin = rng.choice((-1, 1)) * rng.choice(model.overtime_margins)
    if (points + margin) % 2:
        # Home and away must be whole numbers; keep the forced push that matters more (the total) intact.
        if push_total and not tie:
            margin += 1 if margin > 0 else -1
        else:
            points += 1
    final_home = _clamp_score((points + margin) // 2, model)
    final_away = _clamp_score((points - margin) // 2, model)
    if final_home == final_away and not tie:
        final_home += model.overtime_margins[0]
    return Game(
        id=event_id(seed, sport.key, commence, home, away),
        sport=sport,
        home_team=home,
        away_team=away,
        commence_time=commence,
        duration=duration,
        listed_at=listed_at,
        opening_spread=spread,
        opening_total=total,
        final_home=final_home,
        final_away=final_away,
        margin_sd=model.margin_sd,
        odds_interval=odds_interval,
    )


def _clamp_score(score: int, model: _ScoringModel) -> int:
    score = min(max(score, model.team_score_min), model.team_score_max)
    return 0 if score == 1 else score  # a football team cannot finish on exactly one point
