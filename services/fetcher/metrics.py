"""What a fetch run spent, as CloudWatch metrics: one Embedded Metric Format (EMF) line on stdout per Lambda run.

Lambda sends stdout to CloudWatch Logs, which turns an EMF line into metrics without an API call or a permission, so
the budget alarm (infra/template.yaml) watches the ledger's own numbers: `CreditsLeft` is what the budget guard would
still allow this month (budget − reserve − spent, never below 0), `CreditsSpent` what this run paid,
`ApiCreditsRemaining` what the API itself last reported, and `RunFailed` is 1 for a run that ended with `ok: false`
(bad key, credits gone, a stage that failed), which returns instead of raising and so never shows in Lambda's Errors
metric.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import asyncpg

from services.fetcher.ledger import month_usage
from services.fetcher.resources import FetcherDeps

log = logging.getLogger(__name__)


def emf_record(namespace: str, metrics: dict[str, int], properties: dict[str, Any], *, at_ms: int) -> dict[str, Any]:
    """Build one EMF record: the metrics (no dimensions, so an alarm names them by namespace and name) and context."""
    return {
        "_aws": {
            "Timestamp": at_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [[]],
                    "Metrics": [{"Name": name, "Unit": "Count"} for name in metrics],
                }
            ],
        },
        **properties,
        **metrics,
    }


async def run_metrics(fetcher: FetcherDeps, report: dict[str, Any]) -> dict[str, int]:
    """Read this month's standing from the ledger and combine it with the run's report."""
    usage = await month_usage(fetcher.pool, base_url=fetcher.target.base_url, now=fetcher.clock())
    metrics = {
        "CreditsSpent": int(report.get("credits") or 0),
        "CreditsLeft": max(fetcher.target.budget.spendable - usage.effective_spent, 0),
        "RunFailed": 0 if report.get("ok") else 1,
    }
    if usage.api_remaining is not None:
        metrics["ApiCreditsRemaining"] = usage.api_remaining
    return metrics


async def emit_run_metrics(fetcher: FetcherDeps, report: dict[str, Any]) -> None:
    """Print the run's EMF line; a ledger that cannot be read now costs the metrics of this run, never the run."""
    try:
        metrics = await run_metrics(fetcher, report)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        log.warning(
            "fetch metrics: the ledger could not be read (%s: %s); no metrics for this run", type(exc).__name__, exc
        )
        return
    properties = {
        "job": report.get("job"),
        "sports": [result.get("sport") for result in report.get("results", [])],
        "ok": bool(report.get("ok")),
    }
    record = emf_record(fetcher.settings.metrics_namespace, metrics, properties, at_ms=int(time.time() * 1000))
    print(json.dumps(record), flush=True)
