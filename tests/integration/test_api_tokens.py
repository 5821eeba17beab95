"""API tokens on the real database: the CLI that makes them, and the three read APIs that take
them (sessionizer, attribution, feedback); a collector write key is never a token, nor the
reverse."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.attribution.api import ApiContext, read_router
from services.attribution.metrics import AttributionMetrics
from services.attribution.settings import AttributionOptions
from services.collector import repository as sources_repository
from services.collector.sources import SourceDirectory, hash_key
from services.feedback.__main__ import build as build_feedback
from services.feedback.reading import NeutralReader
from services.feedback.settings import FeedbackSettings
from services.sessionizer.api import journeys_router
from shared.database import create_engine, create_session_factory
from shared.service import Resources, utc_now
from shared.settings import AuthSettings, DatabaseSettings
from shared.tokens import store
from shared.tokens.cli import run
from shared.tokens.store import token_verifier

READS = {
    "/v1/journeys/anon-1": ("read:journeys", 404),  # no such journey, but the read was allowed
    "/v1/attribution?models=last_touch": ("read:reports", 200),
    "/v1/cases?status=open": ("read:cases", 200),
}


async def tokens_cli(
    database_url: str, capsys: pytest.CaptureFixture[str], *argv: str, demo: str = "demo-token-1"
) -> tuple[int, str]:
    code = await run(list(argv), DatabaseSettings(url=database_url), demo_token=demo)
    return code, capsys.readouterr().out


def token_in(output: str) -> str:
    match = re.search(r": (\S+)\n", output)
    assert match, output
    return match.group(1)


def read_app(sessions: async_sessionmaker[AsyncSession]) -> FastAPI:
    app = FastAPI()
    app.state.tokens = token_verifier(sessions, AuthSettings(token_cache_ttl_s=0))
    app.state.sessions = sessions
    options = AttributionOptions()
    app.state.attribution = ApiContext(
        lineup=options.lineup(),
        money=options.money(),
        max_import_bytes=options.costs.max_import_bytes,
        metrics=AttributionMetrics(CollectorRegistry()),
    )
    app.include_router(journeys_router())
    app.include_router(read_router())
    feedback = build_feedback(
        FeedbackSettings(),
        Resources(sessions=sessions, registry=CollectorRegistry(), clock=utc_now),
        reader=NeutralReader(),
    )
    for key, value in feedback.state.items():
        setattr(app.state, key, value)
    assert feedback.router is not None
    app.include_router(feedback.router)
    return app


@pytest.fixture
async def http(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=read_app(sessions))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        yield client


async def test_each_read_api_takes_a_token_with_its_scope_and_refuses_the_rest(
    database_url: str, http: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    for path, (scope, allowed) in READS.items():
        code, out = await tokens_cli(
            database_url, capsys, "create", "--name", scope, "--scopes", scope
        )
        assert code == 0, out
        token = token_in(out)
        assert token.startswith("bcl_")
        assert (await http.get(path)).status_code == 401
        ok = await http.get(path, headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == allowed, ok.text
        for other in READS.keys() - {path}:
            refused = await http.get(other, headers={"Authorization": f"Bearer {token}"})
            assert refused.status_code == 403
            assert READS[other][0] in refused.json()["detail"]


async def test_an_admin_token_reads_everything_until_revoked(
    database_url: str, http: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = await tokens_cli(database_url, capsys, "create", "--name", "ops", "--scopes", "admin")
    headers = {"Authorization": f"Bearer {token_in(out)}"}
    for path, (_, allowed) in READS.items():
        assert (await http.get(path, headers=headers)).status_code == allowed
    assert (await tokens_cli(database_url, capsys, "revoke", "ops"))[0] == 0
    for path in READS:
        assert (await http.get(path, headers=headers)).status_code == 401


async def test_list_shows_scopes_and_last_use_but_never_a_secret(
    database_url: str, http: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = await tokens_cli(
        database_url, capsys, "create", "--name", "dash", "--scopes", "read:reports,read:cases"
    )
    token = token_in(out)
    await http.get("/v1/cases", headers={"Authorization": f"Bearer {token}"})
    code, listing = await tokens_cli(database_url, capsys, "list")
    assert code == 0
    assert "dash\t" in listing
    assert "read:reports,read:cases" in listing
    assert "last used never" not in listing
    assert token not in listing
    assert token.removeprefix("bcl_")[:8] not in listing


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("create", "--name", "x", "--scopes", "read:all"), "unknown scope 'read:all'"),
        (("create", "--name", "x", "--scopes", ","), "at least one scope"),
        (("create", "--name", "x", "--scopes", "admin", "--token", "short"), "at least 12"),
        (("revoke", "nobody"), "no token is named or has the id 'nobody'"),
    ],
)
async def test_cli_mistakes_get_a_clear_error_and_exit_1(
    database_url: str, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], said: str
) -> None:
    code, out = await tokens_cli(database_url, capsys, *argv)
    assert code == 1
    assert said in out


async def test_a_second_token_of_the_same_name_is_refused_and_revoking_twice_says_so(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (await tokens_cli(database_url, capsys, "create", "--name", "a", "--scopes", "admin"))[
        0
    ] == 0
    code, out = await tokens_cli(database_url, capsys, "create", "--name", "a", "--scopes", "admin")
    assert (code, "exists already" in out) == (1, True)
    await tokens_cli(database_url, capsys, "revoke", "a")
    assert "revoked already" in (await tokens_cli(database_url, capsys, "revoke", "a"))[1]


async def test_the_demo_token_is_seeded_again_and_again_with_every_scope(
    database_url: str, http: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(2):
        code, out = await tokens_cli(database_url, capsys, "seed-demo", demo="demo-admin-token")
        assert (code, "demo-admin-token" in out) == (0, True)
    await tokens_cli(database_url, capsys, "revoke", "demo")
    await tokens_cli(database_url, capsys, "seed-demo", demo="demo-admin-token")  # un-revokes
    headers = {"Authorization": "Bearer demo-admin-token"}
    for path, (_, allowed) in READS.items():
        assert (await http.get(path, headers=headers)).status_code == allowed


async def test_a_chosen_token_is_refused_for_a_database_elsewhere(
    capsys: pytest.CaptureFixture[str],
) -> None:
    remote = "postgresql+asyncpg://boucle:boucle@192.0.2.10:5432/boucle"  # never contacted
    code, out = await tokens_cli(remote, capsys, "seed-demo", demo="demo-admin-token")
    assert code == 1
    assert "only accepted for a database on this machine" in out


async def test_a_write_key_is_no_token_and_a_token_is_no_write_key(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_key = "site-write-key-123"
    async with sessions() as session, session.begin():
        await sources_repository.put_source(
            session, source_id="s-1", name="site", kind="web", key_hash=hash_key(write_key)
        )
    _, out = await tokens_cli(database_url, capsys, "create", "--name", "r", "--scopes", "admin")
    token = token_in(out)
    for path in READS:
        response = await http.get(path, headers={"Authorization": f"Bearer {write_key}"})
        assert response.status_code == 401
    assert await SourceDirectory(sessions, ttl_s=0).authenticate(token) is None
    assert await SourceDirectory(sessions, ttl_s=0).authenticate(write_key) is not None


async def test_an_unknown_token_while_postgres_is_unreachable_is_a_503_with_retry_after() -> None:
    engine = create_engine(DatabaseSettings(url="postgresql+asyncpg://boucle:boucle@127.0.0.1:1/x"))
    try:
        sessions = create_session_factory(engine)
        transport = httpx.ASGITransport(app=read_app(sessions))
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            response = await client.get("/v1/cases", headers={"Authorization": "Bearer bcl_x"})
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
    finally:
        await engine.dispose()


async def test_a_token_hash_is_what_is_stored(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out = await tokens_cli(database_url, capsys, "create", "--name", "h", "--scopes", "admin")
    token = token_in(out)
    async with sessions() as session, session.begin():
        [info] = await store.all_tokens(session)
        found = await store.use(session, hash_key(token))  # SHA-256, like write keys
    assert found is not None
    assert found.token_id == info.token_id
