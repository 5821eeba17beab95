"""The attribution page's reads on the real database: revenue, conversions and cost per period
(converted as the report converts them, adding up to the report), and the latest conversions a
page at a time."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.test_attribution_reports import CSV, RATES, journeys, report
from tests.integration.test_attribution_reports import api as api  # the fixture

MARCH = {"from": "2026-03-01", "to": "2026-03-08", "currency": "EUR"}


async def series(api: httpx.AsyncClient, **params: str) -> Any:
    response = await api.get("/v1/attribution/series", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_each_day_has_its_revenue_per_model_and_its_cost_converted_zeros_included(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert (await api.post("/v1/attribution/rates", content=RATES, headers=CSV)).status_code == 200
    await journeys(sessions)

    body = await series(api, models="first_touch,linear", **MARCH)

    points = {p["period"]: p for p in body["points"]}
    assert list(points) == [f"2026-03-0{d}" for d in range(1, 9)]  # every day, zeros included
    assert points["2026-03-03"]["revenue"] == {"first_touch": "100.0000", "linear": "100.0000"}
    assert points["2026-03-07"]["conversions"]["first_touch"] == "1.000000"  # 120 USD at 1.20
    assert points["2026-03-02"]["revenue"] == {"first_touch": "0.0000", "linear": "0.0000"}
    # An ad click of 10 EUR on March 1; one of 24 USD, 20 EUR at that day's rate, on March 5.
    assert [points[d]["cost"] for d in ("2026-03-01", "2026-03-05")] == ["10.0000", "20.0000"]
    assert points["2026-03-08"]["revenue"]["linear"] == "0.0000"  # 50 JPY: no rate
    assert points["2026-03-08"]["conversions"]["linear"] == "1.000000"  # but it counts
    assert body["unconverted"] == [
        {"currency": "JPY", "revenue": {"first_touch": "50.0000", "linear": "50.0000"}, "cost": "0"}
    ]
    assert (body["grain"], body["currency"], body["models"]) == (
        "day",
        "EUR",
        ["first_touch", "linear"],
    )


async def test_weeks_from_monday_add_up_to_the_report_of_the_same_range(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await api.post("/v1/attribution/rates", content=RATES, headers=CSV)
    await journeys(sessions)

    weekly = await series(api, models="linear,markov", grain="week", **MARCH)
    whole = await report(api, group_by="channel", **MARCH)

    assert [p["period"] for p in weekly["points"]] == [
        "2026-02-23",
        "2026-03-02",
    ]  # Mar 1: a Sunday
    for model in ("linear", "markov"):
        over_time = sum(float(p["revenue"][model]) for p in weekly["points"])
        per_group = sum(float(g["models"][model]["revenue"]) for g in whole["groups"])
        assert over_time == per_group == 200.0
    cost = sum(float(p["cost"]) for p in weekly["points"])
    assert cost == sum(float(g["cost"] or 0) for g in whole["groups"]) == 30.0


async def test_one_groups_series_adds_up_to_its_row_of_the_report_model_by_model(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await api.post("/v1/attribution/rates", content=RATES, headers=CSV)
    await journeys(sessions)
    models = "first_touch,last_touch,linear"

    spring = await series(api, models=models, group_by="campaign", key="spring", **MARCH)
    whole = await report(api, group_by="campaign", **MARCH)

    [row] = [g for g in whole["groups"] if g["key"] == "spring"]
    for model in models.split(","):
        over_time = sum(float(p["revenue"][model]) for p in spring["points"])
        assert over_time == float(row["models"][model]["revenue"]), model
    assert sum(float(p["cost"]) for p in spring["points"]) == float(row["cost"])
    assert (spring["groupBy"], spring["key"]) == ("campaign", "spring")
    by_type = await series(api, models="linear", group_by="touch_type", key="session", **MARCH)
    assert all(p["cost"] == "0.0000" for p in by_type["points"])  # costs have no touch type


async def test_without_bounds_the_series_spans_the_days_that_have_data(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await journeys(sessions)
    body = await series(api, models="linear", currency="EUR")
    assert body["points"][0]["period"] == "2026-03-01"
    assert body["points"][-1]["period"] == "2026-03-08"
    assert (await api.get("/v1/attribution/series", params={"models": "linear"})).status_code == 200


async def test_the_latest_conversions_come_newest_first_a_page_at_a_time_within_the_range(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await journeys(sessions)
    first = (await api.get("/v1/attribution/conversions", params={"limit": "2"})).json()
    assert [c["conversionId"] for c in first["conversions"]] == ["c3", "c2"]
    assert first["conversions"][0] == {
        "conversionId": "c3",
        "personId": "p4",
        "convertedAt": first["conversions"][0]["convertedAt"],
        "stage": "purchase",
        "revenue": "50.0000",
        "currency": "JPY",
        "credited": True,
    }
    rest = await api.get(
        "/v1/attribution/conversions", params={"limit": "2", "before": first["next"]}
    )
    assert [c["conversionId"] for c in rest.json()["conversions"]] == ["c1"]
    assert rest.json()["next"] is None
    ranged = await api.get(
        "/v1/attribution/conversions", params={"from": "2026-03-03", "to": "2026-03-07"}
    )
    assert [c["conversionId"] for c in ranged.json()["conversions"]] == ["c2", "c1"]
    naive = base64.urlsafe_b64encode(json.dumps(["2026-03-07T00:00:00", "z"]).encode()).decode()
    older = await api.get("/v1/attribution/conversions", params={"before": naive})
    assert [c["conversionId"] for c in older.json()["conversions"]] == ["c1"]  # read as UTC


async def test_bad_parameters_of_the_pages_reads_are_refused_saying_what_to_fix(
    api: httpx.AsyncClient,
) -> None:
    cases = [
        ("/v1/attribution/series", {"from": "2000-01-01", "to": "2026-01-01"}, "grain=week"),
        ("/v1/attribution/series", {"models": "nope"}, "unknown model"),
        ("/v1/attribution/series", {"from": "2026-03-09", "to": "2026-03-01"}, "is after to"),
        ("/v1/attribution/conversions", {"before": "not-a-cursor"}, "pass `next`"),
    ]
    for path, params, says in cases:
        answer = await api.get(path, params=params)
        assert answer.status_code == 400, (path, params, answer.text)
        assert says in answer.json()["detail"]
    assert (await api.get("/v1/attribution/series", params={"grain": "hour"})).status_code == 422
