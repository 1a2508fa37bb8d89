"""Dev-only tooling: embedded Postgres, embedded SQS, the Odds API simulator, the scheduler and the `make dev`
orchestrator. Never imported by production code."""
