"""The consumers: the ingest handler (game events → games, odds, consensus and closing lines) and the grader handler
(result events → settled picks and user totals), plus the recompute and dead-letter tools.

Never imports web or fetcher code; shares only `contracts` and the `pickvs` runtime.
"""
