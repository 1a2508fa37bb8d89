"""The shared runtime: settings base, database pool, SQS client factory, queue names, partial-batch processing for the
consumers, the local event-source runner and the CLI.

Plumbing only — no domain logic lives here, and nothing here imports a service at import time.
"""
