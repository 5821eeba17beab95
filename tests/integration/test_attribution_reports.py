"""The attribution API on the real database: costs from ad events and a spend import, rates by
date, several models side by side, date range, stage, CSV, the drill-down, and bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.attribution.__main__ import build
from services.attribution.settings import AttributionSettings
from shared.auth import SCOPES, hash_token
from shared.service import Resources, service_app
from shared.settings import AuthSettings, DatabaseSettings
from shared.tokens.store import put_token, token_verifier
from tests.attribution_fixtures import Attribution, ad_click, conversion, options, touch

MODELS = "last_touch,first_touch,linear,markov"
CSV = {"content-type": "text/csv"}
TOKEN = "reports-test-token"
RATES = b"date,currency,rate\n2026-03-01,USD,1.10\n2026-03-05,USD,1.20\n2026-03-01,GBP,0.85\n"


@pytest.fixture
async def api(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    settings = AttributionSettings(
        database=DatabaseSettings(url=database_url), attribution=options(reporting_currency="EUR")
    )
    resources = Resources(
        sessions=sessions, registry=CollectorRegistry(), clock=lambda: datetime.now(UTC)
    )
    parts = build(settings, resources)
    app = service_app("attribution", parts, sessions=sessions, registry=resources.registry)
    app.state.tokens = token_verifier(sessions, AuthSettings(token_cache_ttl_s=0))
    async with sessions() as session, session.begin():
        await put_token(session, name="reports", token_hash=hash_token(TOKEN), scopes=SCOPES)
    transport = httpx.ASGITransport(app=app)
    bearer = {"authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://attribution", headers=bearer
    ) as client:
        yield client


def spring(tid: str, person: str, days: float) -> Any:
    return touch(tid, person, days, campaign="spring", source="google", medium="cpc")


def news(tid: str, person: str, days: float) -> Any:
    return touch(
        tid, person, days, channel="email", campaign="news", source="letter", medium="email"
    )


async def journeys(sessions: async_sessionmaker[AsyncSession]) -> None:
    attribution = Attribution(sessions, options())
    await attribution.journeys(
        [
            spring("a1", "p1", 0),
            news("a2", "p1", 1),
            conversion("c1", "p1", 2, revenue="110", currency="USD"),  # 100 EUR at 1.10
            spring("b1", "p2", 4),
            conversion("c2", "p2", 6, revenue="120", currency="USD"),  # 100 EUR at 1.20
            spring("d1", "p3", 3),
            news("e1", "p4", 5),
            conversion("c3", "p4", 7, revenue="50", currency="JPY"),  # no rate
        ]
    )
    click = ad_click("m1", 0, campaign="spring", cost="10", currency="EUR")
    await attribution.raw(
        [click, click, ad_click("m2", 4, campaign="spring", cost="24", currency="USD")]
    )


async def report(api: httpx.AsyncClient, **params: str) -> Any:
    response = await api.get("/v1/attribution", params={"models": MODELS, **params})
    assert response.status_code == 200, response.text
    return response.json()


def group(body: Any, key: str | None) -> Any:
    [found] = [g for g in body["groups"] if g["key"] == key]
    return found


async def test_cpa_roas_and_roi_per_campaign_under_four_models_side_by_side(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert (await api.post("/v1/attribution/rates", content=RATES, headers=CSV)).status_code == 200
    await journeys(sessions)
    spend = b"date,source,medium,campaign,cost,currency\n2026-03-01,google,cpc,spring,30,EUR\n"
    first = await api.post("/v1/attribution/spend", content=spend, headers=CSV)
    assert first.json() == {"rows": 1, "accepted": 1, "rejectedCount": 0, "rejected": []}
    again = spend.replace(b",30,", b",40,")  # re-imported: replaces the row
    assert (await api.post("/v1/attribution/spend", content=again, headers=CSV)).status_code == 200

    body = await report(api, group_by="campaign", currency="EUR")
    row = group(body, "spring")
    # Cost: the import (40 EUR) replaces March 1's ad click; March 5's 24 USD is 20 EUR at 1.20.
    assert (row["cost"], row["clicks"]) == ("60.0000", 1)  # the import gave no clicks
    assert row["models"]["first_touch"] == {
        "conversions": "2.000000",
        "revenue": "200.0000",
        "cpa": "30.0000",
        "roas": "3.3333",
        "roi": "2.3333",
    }
    assert row["models"]["last_touch"]["conversions"] == "1.000000"
    assert row["models"]["linear"]["conversions"] == "1.500000"
    assert set(row["models"]) == set(MODELS.split(","))
    assert (row["personsTouched"], row["personsConverted"], row["conversionRate"]) == (
        3,
        2,
        "0.6667",
    )
    assert group(body, "news")["cost"] is None
    assert body["unconverted"] == [
        {"currency": "JPY", "revenue": {m: "50.0000" for m in MODELS.split(",")}, "cost": "0"}
    ]
    assert {m["model"]: m["staleConversions"] for m in body["models"]} == dict.fromkeys(
        MODELS.split(","), 0
    )


async def test_spend_without_a_channel_takes_its_campaigns_and_ad_costs_count_each_event_once(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await api.post("/v1/attribution/rates", content=RATES, headers=CSV)
    await journeys(sessions)
    lines = (
        b'{"date": "2026-03-01", "source": "google", "medium": "cpc", "campaign": "spring", '
        b'"cost": 5, "currency": "EUR"}\n'
    )
    assert (await api.post("/v1/attribution/spend", content=lines)).json()["accepted"] == 1
    body = await report(api, group_by="channel", currency="USD")
    # 5 EUR imported for March 1 (5.50 USD at 1.10), and March 5's click: 24 USD.
    assert group(body, "paid_search")["cost"] == "29.5000"


async def test_the_date_range_and_the_stage_select_conversions_by_their_time_and_stage(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await api.post("/v1/attribution/rates", content=RATES, headers=CSV)
    await journeys(sessions)
    late = await report(api, group_by="campaign", **{"from": "2026-03-07", "to": "2026-03-08"})
    assert [
        g["key"] for g in late["groups"] if g["models"]["first_touch"]["conversions"] != "0"
    ] == [
        "spring",
        "news",
    ]
    assert group(late, "spring")["models"]["first_touch"]["revenue"] == "100.0000"  # c2 only
    won = await report(api, group_by="campaign", stage="won")
    assert all(g["models"]["linear"]["conversions"] == "0" for g in won["groups"])


async def test_whole_months_read_from_the_rollups_give_what_their_days_give(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await journeys(sessions)
    await api.post("/v1/attribution/rates", content=RATES, headers=CSV)  # after the credits
    march = {"group_by": "campaign", "from": "2026-03-01", "to": "2026-03-31"}
    by_days = await report(api, **march)  # new rates: March is read by day until rebuilt
    async with sessions() as session:
        dirty = (await session.execute(text("SELECT month FROM attribution.rollup_dirty"))).all()
    assert dirty, "imported rates mark the months they convert"
    await Attribution(sessions, options(reporting_currency="EUR")).job("rollups")
    by_month = await report(api, **march)
    assert by_month["groups"] == by_days["groups"]
    assert group(by_month, "spring")["models"]["first_touch"]["revenue"] == "200.0000"
    in_usd = await report(api, currency="USD", **march)  # not the reporting currency: by day
    assert group(in_usd, "spring")["models"]["first_touch"]["revenue"] == "230.0000"


async def test_the_report_exports_as_csv_by_format_or_accept_header(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await api.post("/v1/attribution/rates", content=RATES, headers=CSV)
    await journeys(sessions)
    by_format = await api.get(
        "/v1/attribution", params={"models": "linear", "group_by": "campaign", "format": "csv"}
    )
    by_accept = await api.get(
        "/v1/attribution",
        params={"models": "linear", "group_by": "campaign"},
        headers={"accept": "text/csv"},
    )
    assert by_format.headers["content-type"].startswith("text/csv")
    assert by_format.text == by_accept.text
    lines = by_format.text.splitlines()
    assert lines[0].startswith("campaign,model,conversions,revenue,cost,cpa")
    assert any(line.startswith("spring,linear,1.500000,150.0000,") for line in lines)


async def test_the_drill_down_shows_one_conversions_path_with_its_credits_under_each_model(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await journeys(sessions)
    response = await api.get("/v1/attribution/conversions/c1")
    assert response.status_code == 200
    body = response.json()
    assert [t["touchpointId"] for t in body["path"]] == ["a1", "a2"]
    first, second = body["path"]
    assert first["credits"]["first_touch"] == {"weight": "1.000000", "revenue": "110.0000"}
    assert "first_touch" not in second["credits"]
    assert second["credits"]["linear"]["weight"] == "0.500000"
    assert {m["model"] for m in body["models"]} == set(options().lineup().names)
    assert all(m["current"] for m in body["models"])
    missing = await api.get("/v1/attribution/conversions/nope")
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"models": "linear,nope"}, 400, "unknown model 'nope'"),
        ({"from": "2026-03-09", "to": "2026-03-01"}, 400, "is after to"),
        ({"currency": "EURO"}, 400, "3-letter currency"),
        ({"group_by": "colour"}, 422, "group_by"),
        ({"from": "yesterday"}, 422, "from"),
    ],
)
async def test_bad_report_parameters_are_refused_saying_what_to_fix(
    api: httpx.AsyncClient, params: dict[str, str], status: int, says: str
) -> None:
    response = await api.get("/v1/attribution", params=params)
    assert response.status_code == status
    assert says in response.text


async def test_a_spend_import_takes_its_good_rows_and_refuses_the_bad_ones_with_reasons(
    api: httpx.AsyncClient,
) -> None:
    body = (
        b"date,source,medium,campaign,cost,currency\n2026-03-01,g,cpc,a,1,EUR\nnope,g,cpc,a,1,EUR\n"
    )
    answer = (await api.post("/v1/attribution/spend", content=body, headers=CSV)).json()
    assert (answer["accepted"], answer["rejectedCount"]) == (1, 1)
    assert answer["rejected"][0]["line"] == 3
    assert answer["rejected"][0]["field"] == "date"
    headless = await api.post("/v1/attribution/spend", content=b"date,cost\n", headers=CSV)
    assert headless.status_code == 400
    assert "missing" in headless.json()["detail"]


async def test_reading_needs_read_reports_and_importing_needs_reports_write(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        await put_token(
            session, name="reader", token_hash=hash_token("reader"), scopes=["read:reports"]
        )
    reader = {"authorization": "Bearer reader"}
    assert (await api.get("/v1/attribution", headers=reader)).status_code == 200
    refused = await api.post("/v1/attribution/spend", content=b"", headers=reader)
    assert refused.status_code == 403
    anonymous = await api.get("/v1/attribution", headers={"authorization": ""})
    assert anonymous.status_code == 401


async def test_the_openapi_describes_the_typed_responses(api: httpx.AsyncClient) -> None:
    spec = (await api.get("/openapi.json")).json()
    report_op = spec["paths"]["/v1/attribution"]["get"]
    assert set(report_op["responses"]) >= {"200", "400", "422"}
    assert "text/csv" in report_op["responses"]["200"]["content"]
    schemas = spec["components"]["schemas"]
    assert {"ReportOut", "GroupOut", "FiguresOut", "ConversionOut", "ImportOut"} <= set(schemas)
