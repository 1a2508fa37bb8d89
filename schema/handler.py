"""The migrate Lambda: applies the pending migrations when the stack is deployed, as a CloudFormation custom resource.

CloudFormation invokes it on Create and on every Update (the template passes the function's published version, which
changes with every new migrate package) and waits for the answer PUT to the pre-signed `ResponseURL`: SUCCESS with the
migrations applied, or FAILED with the reason in one line, which rolls the deploy back before any consumer runs
against a schema it does not know. Delete answers SUCCESS and touches nothing: removing the stack never drops data.
Invoked by hand (`aws lambda invoke`, any event that is not CloudFormation's) it migrates and returns what it applied.

It always answers CloudFormation, whatever fails (settings included), or the stack would wait an hour for it; so the
settings are read per invocation, not at import.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.request
from typing import Any

from pickvs.db import asyncpg_dsn, database_url
from pickvs.settings import BaseAppSettings, load_settings
from schema.migrate import migrate_url

log = logging.getLogger(__name__)

PHYSICAL_ID = "pickvs-schema-migrations"


def is_custom_resource_event(event: Any) -> bool:
    """Tell whether the event is a CloudFormation custom resource request."""
    return isinstance(event, dict) and {"RequestType", "ResponseURL", "StackId", "RequestId"} <= event.keys()


def run_migrations() -> list[str]:
    """Read the settings (the database URL, from its secret on AWS) and apply the pending migrations."""
    settings = load_settings(BaseAppSettings)
    return asyncio.run(migrate_url(asyncpg_dsn(database_url(settings))))


def respond(event: dict[str, Any], status: str, reason: str, data: dict[str, str] | None = None) -> None:
    """PUT the custom resource's outcome to CloudFormation's pre-signed URL."""
    body = json.dumps(
        {
            "Status": status,
            # CloudFormation shows at most 4 KiB of reason; one line is what an operator needs.
            "Reason": reason[:1000],
            "PhysicalResourceId": event.get("PhysicalResourceId") or PHYSICAL_ID,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event.get("LogicalResourceId", ""),
            "Data": data or {},
        }
    ).encode()
    # The URL is pre-signed for a PUT with no content type: sending one breaks the signature.
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """AWS Lambda entry point: migrate on a stack's Create or Update (or a manual invocation)."""
    if not is_custom_resource_event(event):
        applied = run_migrations()
        return {"applied": applied}
    if event["RequestType"] == "Delete":
        respond(event, "SUCCESS", "nothing to do: deleting the stack leaves the database as it is")
        return {"applied": []}
    try:
        applied = run_migrations()
    except Exception as exc:  # whatever failed, CloudFormation must hear it now, not in an hour
        log.exception("migrate: failed")
        first = str(exc).splitlines()[0] if str(exc) else ""
        respond(event, "FAILED", f"migrations not applied: {type(exc).__name__}: {first}")
        return {"applied": [], "error": first}
    reason = f"applied {', '.join(applied)}" if applied else "the database is up to date"
    log.info("migrate: %s", reason)
    respond(event, "SUCCESS", reason, {"Applied": ",".join(applied)})
    return {"applied": applied}
