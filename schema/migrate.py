"""Apply the ordered SQL migrations in schema/migrations/, each once, recorded in `schema_migration`."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# Any constant works; it only has to be the same for every process that migrates this database.
_ADVISORY_LOCK_KEY = 7_271_001


class MigrationError(RuntimeError):
    """The migrations on disk and the ones recorded in the database disagree."""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Read every migration file, in version order, refusing malformed names and duplicate versions."""
    migrations: dict[str, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_what_it_does.sql")
        version, name = match.groups()
        if version in migrations:
            raise MigrationError(f"two migrations share version {version}: {migrations[version].name} and {name}")
        migrations[version] = Migration(version, name, path.read_text())
    return [migrations[v] for v in sorted(migrations)]


async def migrate(conn: asyncpg.Connection, migrations: list[Migration] | None = None) -> list[Migration]:
    """Apply the pending migrations, each in its own transaction; return the ones applied (none when up to date)."""
    migrations = load_migrations() if migrations is None else migrations
    # Two processes migrating at once (several web instances starting) must not both apply a file.
    await conn.execute("SELECT pg_advisory_lock($1)", _ADVISORY_LOCK_KEY)
    try:
        await conn.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migration (
                version    text PRIMARY KEY,
                name       text NOT NULL,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        recorded = {r["version"]: r for r in await conn.fetch("SELECT version, name, checksum FROM schema_migration")}
        on_disk = {m.version for m in migrations}
        if unknown := sorted(set(recorded) - on_disk):
            raise MigrationError(f"the database has migrations this code does not know: {', '.join(unknown)}")
        applied = []
        for migration in migrations:
            row = recorded.get(migration.version)
            if row is not None:
                if row["checksum"] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version}_{migration.name} was edited after it was applied; "
                        "add a new migration instead"
                    )
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            applied.append(migration)
        return applied
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _ADVISORY_LOCK_KEY)


async def migrate_url(url: str) -> list[str]:
    """Connect to the database at `url`, apply the pending migrations and return their names (none when up to date)."""
    conn = await asyncpg.connect(url, timeout=30)
    try:
        return [f"{m.version}_{m.name}" for m in await migrate(conn)]
    finally:
        await conn.close()
