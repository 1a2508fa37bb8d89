"""OpenAPI links: which response feeds which next request (register → log in → profile, a slip → cancel …).

They document the API's flows for clients and drive the stateful fuzz (tests/web/test_openapi_fuzz.py), which follows
them with the values real responses carry.
"""

from __future__ import annotations

from typing import Any


def link(path: str, method: str, *, description: str, parameters: dict[str, str] | None = None, **extra: Any) -> Any:
    """Return an OpenAPI link to the operation at `path` and `method` (`extra`: e.g. requestBody)."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    definition: dict[str, Any] = {"operationRef": f"#/paths/{pointer}/{method}", "description": description}
    if parameters:
        definition["parameters"] = parameters
    definition.update(extra)
    return definition


def with_links(
    responses: dict[int | str, dict[str, Any]], status: int, **links: Any
) -> dict[int | str, dict[str, Any]]:
    """Return `responses` with the links of the `status` response added."""
    return {**responses, status: {**responses.get(status, {}), "links": links}}


PROFILE_PATH = "/api/users/{username}"
GAME_PATH = "/api/games/{game_id}"
CONSENSUS_PATH = "/api/games/{game_id}/consensus"


def profile_of(pointer: str) -> Any:
    """Link to the profile of the username at `pointer` in the response body."""
    return link(PROFILE_PATH, "get", description="This player's profile", parameters={"username": pointer})


def game_of(pointer: str) -> dict[str, Any]:
    """Links to the game, and its community split, whose id is at `pointer` in the response body."""
    return {
        "Game": link(GAME_PATH, "get", description="The game", parameters={"game_id": pointer}),
        "Consensus": link(
            CONSENSUS_PATH, "get", description="How players split on the game", parameters={"game_id": pointer}
        ),
    }
