"""The schema: migrations apply once, the database itself refuses bad rows, and the SQLModel mirror agrees."""

from __future__ import annotations

from decimal import Decimal

import asyncpg
import pytest
from sqlalchemy.dialects import postgresql

from devstack.schema_models import SQLModel
from schema.migrate import Migration, MigrationError, load_migrations, migrate
from tests.builders import insert_game, insert_user


async def test_migrations_applied_twice_are_a_no_op(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        before = await conn.fetch("SELECT version, checksum, applied_at FROM schema_migration ORDER BY version")
        assert await migrate(conn) == []
        after = await conn.fetch("SELECT version, checksum, applied_at FROM schema_migration ORDER BY version")
    assert [tuple(r) for r in before] == [tuple(r) for r in after]
    assert [r["version"] for r in after] == [m.version for m in load_migrations()]


async def test_a_migration_edited_after_it_was_applied_is_refused(db: asyncpg.Pool) -> None:
    edited = [Migration(m.version, m.name, m.sql + "\n-- edited") for m in load_migrations()]
    async with db.acquire() as conn:
        with pytest.raises(MigrationError, match="edited after it was applied"):
            await migrate(conn, edited)


async def test_the_database_rejects_a_negative_stake(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        user_id, game_id = await insert_user(conn), await insert_game(conn)
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(
                "INSERT INTO pick (user_id, game_id, market, selection, price, stake) "
                "VALUES ($1, $2, 'h2h', 'home', -110, $3)",
                user_id,
                game_id,
                Decimal("-1"),
            )


async def test_the_database_rejects_an_unknown_market(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        user_id, game_id = await insert_user(conn), await insert_game(conn)
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(
                "INSERT INTO pick (user_id, game_id, market, selection, price, stake) "
                "VALUES ($1, $2, 'props', 'home', -110, 1)",
                user_id,
                game_id,
            )


async def test_the_database_rejects_a_selection_from_another_market(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        user_id, game_id = await insert_user(conn), await insert_game(conn)
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(
                "INSERT INTO pick (user_id, game_id, market, selection, point, price, stake) "
                "VALUES ($1, $2, 'totals', 'home', 220.5, -110, 1)",
                user_id,
                game_id,
            )


async def test_the_database_rejects_an_email_differing_only_in_case(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        await insert_user(conn, "alice", "Alice@Example.com")
        with pytest.raises(asyncpg.UniqueViolationError):
            await insert_user(conn, "alice2", "alice@example.COM")


async def test_the_database_rejects_a_username_differing_only_in_case(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        await insert_user(conn, "Alice", "a@example.com")
        with pytest.raises(asyncpg.UniqueViolationError):
            await insert_user(conn, "aLICE", "b@example.com")


async def test_roi_is_derived_from_units_and_wagered(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        user_id = await insert_user(conn)
        assert await conn.fetchval('SELECT roi FROM "user" WHERE id = $1', user_id) is None
        await conn.execute('UPDATE "user" SET total_units = 3.5, total_wagered = 10 WHERE id = $1', user_id)
        assert await conn.fetchval('SELECT roi FROM "user" WHERE id = $1', user_id) == Decimal("0.350000")


def _pg_type(column) -> str:
    return column.type.compile(dialect=postgresql.dialect()).lower()


_INFO_TYPES = {
    "bigint": "bigint",
    "integer": "integer",
    "text": "text",
    "jsonb": "jsonb",
    "timestamp with time zone": "timestamp with time zone",
    "date": "date",
    "boolean": "boolean",
}


async def test_sqlmodel_classes_mirror_the_migrated_tables(db: asyncpg.Pool) -> None:
    rows = await db.fetch(
        "SELECT table_name, column_name, data_type, is_nullable, numeric_precision, numeric_scale "
        "FROM information_schema.columns WHERE table_schema = 'public'"
    )
    in_database: dict[str, dict[str, tuple[str, bool]]] = {}
    for r in rows:
        kind = r["data_type"]
        kind = f"numeric({r['numeric_precision']}, {r['numeric_scale']})" if kind == "numeric" else _INFO_TYPES[kind]
        in_database.setdefault(r["table_name"], {})[r["column_name"]] = (kind, r["is_nullable"] == "YES")

    in_models = {
        table.name: {
            c.name: (
                _pg_type(c)
                .replace("timestamp with time zone", "timestamp with time zone")
                .replace("numeric(", "numeric(")
                .replace(",", ", ")
                .replace(",  ", ", "),
                bool(c.nullable) and not c.primary_key,
            )
            for c in table.columns
        }
        for table in SQLModel.metadata.tables.values()
    }
    for table in in_models.values():
        for name, (kind, nullable) in table.items():
            table[name] = ({"datetime": "timestamp with time zone"}.get(kind, kind), nullable)
    assert in_models == in_database
