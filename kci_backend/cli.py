"""`kci-backend` commands: serve, worker, migrate, token."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Optional

import typer

from kci_backend import __version__
from kci_backend.settings import get_settings

app = typer.Typer(add_completion=False, help="KernelCI API v1 results database and HTTP API.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
token_app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")


def _fail(message: str) -> None:
    typer.echo(f"kci-backend: {message}", err=True)
    raise typer.Exit(2)


def _settings(database_url: Optional[str] = None):
    """Settings from the environment; flags override by setting the variable
    (so uvicorn worker processes see the same values)."""
    if database_url:
        os.environ["KCI_DATABASE_URL"] = database_url
    get_settings.cache_clear()
    try:
        return get_settings()
    except Exception as exc:  # pydantic's validation error, in one line
        _fail(f"invalid configuration: {_config_problem(exc)}")


def _config_problem(exc: Exception) -> str:
    """`KCI_<NAME>: <message>` for each setting pydantic refused (its text spans several lines)."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return "; ".join(f"KCI_{'_'.join(str(p) for p in e['loc'][:1]).upper()}: {e['msg']}" for e in errors())


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def _migrate(database_url: str) -> None:
    from kci_backend.store.database import DatabaseUnavailable, open_database
    from kci_backend.store.migrate import upgrade

    try:
        open_database(database_url)  # validates the URL shape
        upgrade(database_url)
    except DatabaseUnavailable as exc:
        _fail(str(exc))
    except Exception as exc:  # driver errors: unreachable host, auth, missing database…
        _fail(f"cannot migrate the database: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")


@app.command()
def migrate(database_url: Optional[str] = typer.Option(None, help="Overrides KCI_DATABASE_URL.")) -> None:
    """Apply database migrations and exit."""
    settings = _settings(database_url)
    _configure_logging(settings.log_level)
    _migrate(settings.database_url)
    typer.echo("database is up to date")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8888),
    workers: int = typer.Option(1, help="uvicorn worker processes"),
    database_url: Optional[str] = typer.Option(None, help="Overrides KCI_DATABASE_URL."),
) -> None:
    """Apply migrations, then serve the API."""
    import uvicorn

    settings = _settings(database_url)
    _configure_logging(settings.log_level)
    _migrate(settings.database_url)
    uvicorn.run("kci_backend.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level=settings.log_level.lower(), access_log=False, proxy_headers=False,
                server_header=False)


@app.command()
def worker(
    concurrency: int = typer.Option(1, min=1, help="tasks run at the same time by this process"),
    database_url: Optional[str] = typer.Option(None, help="Overrides KCI_DATABASE_URL."),
) -> None:
    """Run durable-task workers (email reports, …) until SIGINT/SIGTERM. Run `migrate` first."""
    from kci_backend.store.database import DatabaseUnavailable
    from kci_backend.tasks import process

    settings = _settings(database_url)
    _configure_logging(settings.log_level)
    try:
        asyncio.run(process.run(settings, concurrency))
    except DatabaseUnavailable as exc:
        _fail(str(exc))


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


async def _with_database(settings, action):
    from kci_backend.store.database import open_database

    db = open_database(settings.database_url)
    await db.connect()
    try:
        return await action(db)
    finally:
        await db.close()


@token_app.command("create")
def token_create(
    admin: bool = typer.Option(False, "--admin", help="Administrator (every permission)."),
    superuser: bool = typer.Option(False, "--superuser"),
    get: bool = typer.Option(False, "--get"),
    post: bool = typer.Option(False, "--post"),
    delete: bool = typer.Option(False, "--delete"),
    upload: bool = typer.Option(False, "--upload"),
    lab: bool = typer.Option(False, "--lab"),
    test_lab: bool = typer.Option(False, "--test-lab"),
    email: str = typer.Option("admin@localhost", "--email"),
    username: Optional[str] = typer.Option(None, "--username"),
    expires_on: Optional[str] = typer.Option(None, "--expires-on", help="YYYY-MM-DD"),
    ip_address: list[str] = typer.Option([], "--ip", help="Restrict to this address or network (repeatable)."),
) -> None:
    """Create a token and print its secret value (shown only this once)."""
    from kci_backend import models
    from kci_backend.services.tokens import TokenFieldError, create_token
    from kci_backend.store.documents import Documents

    settings = _settings()
    _migrate(settings.database_url)
    body: dict = {"email": email, "username": username, "expires_on": expires_on}
    for key, flag in (("superuser", superuser), ("admin", admin), ("get", get), ("post", post),
                      ("delete", delete), ("upload", upload), ("lab", lab), ("test_lab", test_lab)):
        if flag:
            body[key] = 1
    if ip_address:
        body.update(ip_restricted=1, ip_address=list(ip_address))

    async def action(db):
        return await create_token(db, Documents(db, models.get("token")), body)

    try:
        new = asyncio.run(_with_database(settings, action))
    except TokenFieldError as exc:
        _fail(str(exc))
    typer.echo(new.value)
    typer.echo(f"token _id {new.document['_id']}", err=True)


@token_app.command("list")
def token_list() -> None:
    """List tokens (never their secret values)."""
    from kci_backend import models
    from kci_backend.store.documents import Documents

    settings = _settings()

    async def action(db):
        return await Documents(db, models.get("token")).find([], python=True)

    for doc in asyncio.run(_with_database(settings, action)):
        flags = "".join(str(b) for b in (doc.get("properties") or [])[:10])
        state = "expired" if doc.get("expired") else "active"
        typer.echo(f"{doc['_id']}  {doc.get('token_prefix')}…  {flags}  {state}  {doc.get('email')}")


@token_app.command("revoke")
def token_revoke(token_id: str) -> None:
    """Mark a token (by _id) expired."""
    from kci_backend import models, wire
    from kci_backend.store.documents import Documents

    settings = _settings()
    if not wire.is_object_id(token_id):
        _fail(f"not a token _id: {token_id}")

    async def action(db):
        async with db.transaction() as tx:
            return await Documents(db, models.get("token")).update(tx, token_id.lower(), {"expired": True})

    if not asyncio.run(_with_database(settings, action)):
        _fail(f"no token with _id {token_id}")
    typer.echo(f"revoked {token_id}")


@app.command()
def statistics() -> None:
    """Compute and store a statistics snapshot now (it also runs daily at 12:01 UTC)."""
    from kci_backend.app import State
    from kci_backend.services import statistics as stats

    settings = _settings()
    _migrate(settings.database_url)

    async def action(db):
        return await stats.run(State(settings, db, auth=None))

    doc = asyncio.run(_with_database(settings, action))
    typer.echo(f"snapshot: {doc['total_jobs']} jobs, {doc['total_builds']} builds, {doc['total_boots']} boots")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
