"""The migrated database has exactly the schema the model declarations describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from kci_backend.store.database import sqlalchemy_url
from kci_backend.store.tables import metadata


def _schema_differences(database_url: str) -> list:
    import asyncio

    async def go():
        engine = create_async_engine(sqlalchemy_url(database_url))
        async with engine.connect() as conn:
            diffs = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), metadata))
        await engine.dispose()
        return diffs

    return asyncio.run(go())


def test_migrations_match_the_models(backend):
    assert _schema_differences(backend.database_url) == []


def test_migrate_is_idempotent(backend):
    result = backend.cli("migrate")
    assert result.returncode == 0
    assert _schema_differences(backend.database_url) == []
