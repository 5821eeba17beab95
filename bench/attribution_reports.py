"""Report latency at 1,000,000 stored conversions, and the attribution page's other reads
(series over time, the latest conversions). The conversions are generated with bulk SQL (not
through the consumer): the outcomes, and the aggregates they make — credit totals of ten models
over a year in five dimensions, reach, versions, ad costs, spend, daily rates. Each conversion
has one to three touches of 8 channels, 96 campaigns, 4 sources and mediums, 3 touch types, in
EUR, USD or GBP. Requests go through the service's own FastAPI app in-process (no network), beside a
baseline route on the same app that runs ``SELECT 1``.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.attribution.__main__ import build
from services.attribution.overview_api import encode_before
from services.attribution.repository import rollups
from services.attribution.settings import AttributionOptions, AttributionSettings
from shared.api import DbSession
from shared.auth import SCOPES, hash_token
from shared.database import create_engine, create_session_factory
from shared.service import Resources, service_app, utc_now
from shared.settings import AuthSettings, DatabaseSettings
from shared.tokens.store import put_token, token_verifier
from tests import infra

TOKEN = "bench-reports-token"  # noqa: S105 - a throwaway database's token
DERIVED = (
    "touchpoints", "conversions", "deal_losses", "persons", "outcomes", "credits",
    "credit_totals", "credit_months", "rollup_dirty", "rollup_state", "credit_versions",
    "fitted_counts", "fits", "current_fits", "reach", "reach_months", "cost_months", "cost_dirty",
    "campaign_channels", "walks", "outbox",
)  # fmt: skip
# (model, touches on the path, position) → weight; each model's weights sum to 1 per path.
WEIGHTS = {
    "first_touch": ((1,), (1, 0), (1, 0, 0)),
    "last_touch": ((1,), (0, 1), (0, 0, 1)),
    "last_non_direct": ((1,), (0.2, 0.8), (0, 0.3, 0.7)),
    "linear": ((1,), (0.5, 0.5), (1 / 3, 1 / 3, 1 / 3)),
    "time_decay": ((1,), (0.4, 0.6), (0.2, 0.3, 0.5)),
    "position_based": ((1,), (0.5, 0.5), (0.4, 0.2, 0.4)),
    "w_shaped": ((1,), (0.6, 0.4), (0.45, 0.3, 0.25)),
    "full_path": ((1,), (0.55, 0.45), (0.35, 0.3, 0.35)),
    "markov": ((1,), (0.45, 0.55), (0.3, 0.3, 0.4)),
    "shapley": ((1,), (0.52, 0.48), (0.3, 0.35, 0.35)),
}
SHAPES = {
    "4 models by campaign, a year, EUR": {
        "models": "last_touch,first_touch,linear,markov",
        "group_by": "campaign",
        "currency": "EUR",
    },
    "10 models by channel, 30 days, USD": {
        "group_by": "channel",
        "from": "2026-12-01",
        "to": "2026-12-30",
        "currency": "USD",
    },
    "2 models by source, won, 90 days": {
        "models": "linear,markov",
        "group_by": "source",
        "stage": "won",
        "from": "2026-10-01",
        "to": "2026-12-30",
    },
    "10 models by touch type, a year, CSV": {"group_by": "touch_type", "format": "csv"},
}
YEAR = {"from": "2026-01-01", "to": "2026-12-31"}
# What the attribution page asks besides the report (README, Pages).
PAGE_READS = {
    "series: 2 models, a year by day, EUR": (
        "/v1/attribution/series",
        {"models": "last_touch,linear", "currency": "EUR", **YEAR},
    ),
    "series: 10 models, a year by week, USD": (
        "/v1/attribution/series",
        {"grain": "week", "currency": "USD", **YEAR},
    ),
    "series: one campaign, 4 models, 90 days": (
        "/v1/attribution/series",
        {"models": "last_touch,first_touch,linear,markov", "group_by": "campaign",
         "key": "campaign-7", "from": "2026-10-01", "to": "2026-12-30"},
    ),
    "latest 10 conversions of a year": ("/v1/attribution/conversions", {"limit": "10", **YEAR}),
    "10 conversions from mid-year back": (
        "/v1/attribution/conversions",
        {"limit": "10", "before": encode_before(datetime(2026, 7, 1, 10, tzinfo=UTC), "o"),
         **YEAR},
    ),
}  # fmt: skip


def truncate_all() -> TextClause:
    return text(f"TRUNCATE {', '.join(f'attribution.{t}' for t in DERIVED)}")


def weights_values() -> str:
    rows = [
        f"('{model}', {len(path)}, {j}, {w})"
        for model, paths in WEIGHTS.items()
        for path in paths
        for j, w in enumerate(path)
    ]
    return ", ".join(rows)


SEED = [
    # One row per touch of each conversion (1-3 touches), its attributes derived from g and j.
    """CREATE TEMP TABLE bench_touches AS
    SELECT g, (g % 3) + 1 AS k, j, DATE '2026-01-01' + (g % 365) AS day,
      CASE WHEN g % 5 = 0 THEN 'won' ELSE 'purchase' END AS stage,
      (ARRAY['EUR','EUR','EUR','USD','USD','GBP'])[1 + g % 6] AS currency,
      (20 + (g % 97) * 3.5)::numeric(20, 4) AS revenue,
      (ARRAY['organic_search','paid_search','direct','email','paid_social','display','referral',
        'affiliate'])[1 + (g * 7 + j * 3) % 8] AS channel,
      (ARRAY['google','bing','meta','news'])[1 + (g + j) % 4] AS source,
      (ARRAY['cpc','email','social','organic'])[1 + (g + 2 * j) % 4] AS medium,
      'campaign-' || ((g * 7 + j * 3) % 96) AS campaign,
      (ARRAY['session','Ad Clicked','Email Link Clicked'])[1 + (g + j) % 3] AS touch_type
    FROM generate_series(1, :n) AS g CROSS JOIN LATERAL generate_series(0, g % 3) AS j""",
    """CREATE TEMP TABLE bench_parts AS
    SELECT k, j, d.dimension, d.value, day, stage, currency, count(*) AS n, sum(revenue) AS r
    FROM bench_touches CROSS JOIN LATERAL (VALUES ('channel', channel), ('source', source),
      ('medium', medium), ('campaign', campaign), ('touch_type', touch_type)) AS d(dimension, value)
    GROUP BY 1, 2, 3, 4, 5, 6, 7""",
    """INSERT INTO attribution.credit_totals
    SELECT w.model, p.dimension, p.day, p.value, p.stage, p.currency,
      sum(p.n * w.w)::numeric(14, 6), sum(p.r * w.w)::numeric(20, 4)
    FROM bench_parts p JOIN (VALUES {weights}) AS w(model, k, j, w) ON w.k = p.k AND w.j = p.j
    GROUP BY 1, 2, 3, 4, 5, 6""",
    """INSERT INTO attribution.reach
    SELECT dimension, day, value, s.stage, (sum(n) * s.f)::bigint
    FROM bench_parts CROSS JOIN (VALUES ('(touched)', 3.0), ('(any)', 0.9), ('purchase', 0.7),
      ('won', 0.2)) AS s(stage, f) GROUP BY 1, 2, 3, 4, s.f""",
    """INSERT INTO attribution.rollup_dirty SELECT DISTINCT date_trunc('month', day)::date
      FROM bench_parts""",
    """INSERT INTO attribution.cost_dirty SELECT * FROM attribution.rollup_dirty""",
    """INSERT INTO attribution.reach_months SELECT dimension, date_trunc('month', day)::date,
      value, stage, sum(persons) FROM attribution.reach GROUP BY 1, 2, 3, 4""",
    """INSERT INTO attribution.outcomes
    SELECT 'o' || g, 'p' || (g / 2), day + time '10:00', stage, revenue, currency,
      CASE WHEN stage = 'won' THEN 'crm:' || g END, true, 'c' || g, NULL, NULL, NULL, 1
    FROM bench_touches WHERE j = 0""",
    """INSERT INTO attribution.credit_versions SELECT m, k, '', '', :n
    FROM unnest(CAST(:models AS text[]), CAST(:keys AS text[])) AS u(m, k)""",
    """INSERT INTO attribution.ad_cost_totals
    SELECT day, 'google', 'cpc', 'campaign-' || c, 'paid_search', 'EUR', 40 + c, 1000, 30
    FROM generate_series(DATE '2026-01-01', DATE '2026-12-31', '1 day') AS day,
      generate_series(0, 95) AS c""",
    """INSERT INTO attribution.spend
    SELECT day, 'google', 'cpc', 'campaign-' || c, NULL, 'USD', 55 + c, NULL, NULL, now()
    FROM generate_series(DATE '2026-01-01', DATE '2026-12-31', '7 days') AS day,
      generate_series(0, 95, 5) AS c""",
    """INSERT INTO attribution.rates
    SELECT cur, day, CASE cur WHEN 'USD' THEN 1.05 + extract(doy FROM day) / 3650
      ELSE 0.85 END
    FROM generate_series(DATE '2026-01-01', DATE '2026-12-31', '1 day') AS day,
      unnest(ARRAY['USD', 'GBP']) AS cur""",
]


async def seed(database: str, *, conversions: int) -> dict[str, int]:
    engine = create_engine(DatabaseSettings(url=infra.database_url(database), pool_size=1))
    try:
        return await _seed(engine, conversions=conversions)
    finally:
        await engine.dispose()


async def _seed(engine: AsyncEngine, *, conversions: int) -> dict[str, int]:
    async with create_session_factory(engine)() as session, session.begin():
        for sql in SEED:
            statement = text(sql.replace("{weights}", weights_values()))
            keys = AttributionOptions().lineup().keys
            params = {"n": conversions, "models": list(keys), "keys": list(keys.values())}
            await session.execute(statement, params)
    money = AttributionOptions(reporting_currency="EUR").money()
    sessions = create_session_factory(engine)
    async with sessions() as session, session.begin():  # what the rollups job does: every
        credits, costs = await rollups.to_rebuild(session, money=money, limit=12)  # month
    for month in credits:  # rebuilt from its days, a month a transaction
        async with sessions() as session, session.begin():
            await rollups.rebuild_credit_month(session, month, money=money)
    for month in costs:
        async with sessions() as session, session.begin():
            await rollups.rebuild_cost_month(session, month, money=money)
    sizes: dict[str, int] = {}
    async with engine.begin() as conn:
        tables = ("outcomes", "credit_totals", "credit_months", "reach", "ad_cost_totals")
        for table in (*tables, "cost_months", "spend", "rates"):
            await conn.execute(text(f"ANALYZE attribution.{table}"))
            count = await conn.execute(
                text(f"SELECT count(*) FROM attribution.{table}")  # noqa: S608 - our table names
            )
            sizes[table] = int(count.scalar_one())
    return sizes


def app_for(database: str) -> tuple[FastAPI, AsyncEngine]:
    settings = AttributionSettings.model_validate(
        {
            "database": DatabaseSettings(url=infra.database_url(database), pool_size=2),
            "attribution": {"reporting_currency": "EUR"},
        }
    )
    engine = create_engine(settings.database)
    sessions = create_session_factory(engine)
    resources = Resources(sessions=sessions, registry=CollectorRegistry(), clock=utc_now)
    app = service_app(
        "attribution", build(settings, resources), sessions=sessions, registry=resources.registry
    )
    app.state.tokens = token_verifier(sessions, AuthSettings())  # as the service process does

    @app.get("/bench/select-one")
    async def select_one(session: DbSession) -> int:
        return int((await session.execute(text("SELECT 1"))).scalar_one())

    return app, engine


async def latencies(
    client: httpx.AsyncClient, path: str, params: dict[str, str], n: int
) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        response = await client.get(path, params=params)
        out.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text  # a failed request is no figure
    return sorted(out)


def quantiles(values: Sequence[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49] * 1e3, cuts[98] * 1e3


async def run(*, conversions: int, requests: int) -> None:
    database = infra.unique("boucle_bench_reports")
    await infra.admin_sql(f'CREATE DATABASE "{database}"')
    infra.migrate(infra.database_url(database))
    try:
        started = time.perf_counter()
        sizes = await seed(database, conversions=conversions)
        seeded = time.perf_counter() - started
        tables = ", ".join(f"{table} {rows:,}" for table, rows in sizes.items())
        print(f"reports at {conversions:,} conversions (seeded in {seeded:.0f} s: {tables})")
        print(f"  {requests} requests per shape, sequential, {datetime.now(UTC):%H:%M} UTC")
        app, engine = app_for(database)
        async with create_session_factory(engine)() as session, session.begin():
            await put_token(session, name="bench", token_hash=hash_token(TOKEN), scopes=SCOPES)
        try:
            await measure(app, requests)
        finally:
            await engine.dispose()
    finally:
        await infra.admin_sql(f'DROP DATABASE IF EXISTS "{database}"')


async def measure(app: FastAPI, requests: int) -> None:
    transport = httpx.ASGITransport(app=app)
    bearer = {"authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", headers=bearer
    ) as client:
        await latencies(client, "/v1/attribution", {}, 3)  # warm the caches and pool
        base = quantiles(await latencies(client, "/bench/select-one", {}, requests))
        label = "baseline: same app, SELECT 1"
        print(f"  {label:<40} p50 {base[0]:7.1f} ms  p99 {base[1]:7.1f} ms")
        reads = [("/v1/attribution", label, params) for label, params in SHAPES.items()]
        reads += [(path, label, params) for label, (path, params) in PAGE_READS.items()]
        for path, label, params in reads:
            p50, p99 = quantiles(await latencies(client, path, params, requests))
            print(
                f"  {label:<40} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms   "
                f"÷ baseline p50 {p50 / base[0]:.0f}"
            )


if __name__ == "__main__":  # the report latencies alone: python -m bench.attribution_reports
    asyncio.run(run(conversions=int(sys.argv[1]) if sys.argv[1:] else 1_000_000, requests=200))
