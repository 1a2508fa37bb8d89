"""Bounds of the database's identifiers, for every place that accepts an id from outside (API paths and bodies)."""

# PostgreSQL's bigint, the type of every id column: a larger number can name no row, and would fail the query.
BIGINT_MAX = 2**63 - 1
