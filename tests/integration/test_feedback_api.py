"""The case and report API on the real database: filters, paging, history, the commands with
their version checks, and a 4xx that says what to fix for every bad request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import T0
from tests.feedback import Harness, answer, api_app, api_client, conversion, link, staged

HOUR = timedelta(hours=1)


@pytest.fixture
async def harness(sessions: async_sessionmaker[AsyncSession]) -> Harness:
    """Five people with a case each: two P1 (one overdue soon), three P2, queues apart."""
    harness = Harness(sessions)
    await harness.batch(links=[link("vip", "p-vip")], journeys=[conversion("c1", "p-vip", 5000)])
    await harness.batch(
        events=[
            answer(score=3, user_id="vip"),  # P1 sales (value)
            answer(score=10, comment="I was charged twice", user_id="u-money"),  # P1 support
            answer(score=4, comment="late", user_id="u-late"),  # P2 delivery
            answer(score=5, user_id="u-5"),  # P2 support
            answer("CSAT Submitted", score=2, user_id="u-csat"),  # P2 support
        ]
    )
    return harness


async def case_of(harness: Harness, person: str) -> Any:
    [case] = [c for c in await harness.cases() if c.person_id == person]
    return case


async def test_the_queue_lists_most_urgent_first_and_pages_with_a_cursor(harness: Harness) -> None:
    async with api_client(harness) as api:
        seen, cursor = [], None
        while True:
            params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            body = (await api.get("/v1/cases", params=params)).json()
            seen += [(c["priority"], c["personId"]) for c in body["cases"]]
            cursor = body["next"]
            if cursor is None:
                break
    assert [p for p, _ in seen] == [1, 1, 2, 2, 2]
    assert len({person for _, person in seen}) == 5


@pytest.mark.parametrize(
    ("params", "people"),
    [
        ({"queue": "delivery"}, ["unlinked:u-late"]),
        ({"priority": 1}, ["p-vip", "unlinked:u-money"]),
        ({"identifier": "vip"}, ["p-vip"]),
        ({"person": "unlinked:u-5"}, ["unlinked:u-5"]),
        ({"status": "resolved"}, []),
        ({"identifier": "nobody"}, []),
    ],
)
async def test_the_queue_filters(
    harness: Harness, params: dict[str, Any], people: list[str]
) -> None:
    async with api_client(harness) as api:
        response = await api.get("/v1/cases", params=params)
    assert response.status_code == 200
    assert sorted(c["personId"] for c in response.json()["cases"]) == people


async def test_overdue_cases_are_those_past_their_sla_deadline(harness: Harness) -> None:
    harness.advance(5 * HOUR)  # past the P1 first-contact deadline (4 h), not the P2 (24 h)
    async with api_client(harness) as api:
        body = (await api.get("/v1/cases", params={"overdue": "true"})).json()
    assert sorted(c["personId"] for c in body["cases"]) == ["p-vip", "unlinked:u-money"]
    assert all(c["overdue"] for c in body["cases"])


async def test_a_case_with_its_history_through_assign_acknowledge_note_and_resolve(
    harness: Harness,
) -> None:
    case = await case_of(harness, "unlinked:u-late")
    async with api_client(harness) as api:
        url = f"/v1/cases/{case.case_id}"
        steps: list[tuple[str, dict[str, Any]]] = [
            ("assign", {"owner": "agent-7", "by": "lead"}),
            ("acknowledge", {"note": "called, left a voicemail"}),
            ("notes", {"text": "customer called back"}),
            ("resolve", {"note": "reshipped", "rootCause": "carrier", "recovered": True}),
        ]
        version = case.version
        for command, body in steps:
            response = await api.post(f"{url}/{command}", json={**body, "version": version})
            assert response.status_code == 200, response.text
            version = response.json()["version"]
        detail = (await api.get(url)).json()
    assert [e["kind"] for e in detail["history"]] == [
        "opened",
        "assigned",
        "acknowledged",
        "noted",
        "resolved",
        "close_the_loop",
    ]
    assert detail["case"]["status"] == "resolved"
    assert detail["case"]["resolution"]["rootCause"] == "carrier"
    assert [r["score"] for r in detail["responses"]] == [4]
    assert [e.kind for e in await staged(harness)] == [
        "assigned",
        "acknowledged",
        "noted",
        "resolved",
        "close_the_loop",
    ]


async def test_a_write_on_an_older_version_is_refused_with_409_stale_version(
    harness: Harness,
) -> None:
    case = await case_of(harness, "unlinked:u-5")
    async with api_client(harness) as api:
        url = f"/v1/cases/{case.case_id}/assign"
        assert (await api.post(url, json={"owner": "a", "version": case.version})).is_success
        stale = await api.post(url, json={"owner": "b"}, headers={"If-Match": f'"{case.version}"'})
    assert stale.status_code == 409
    assert stale.json()["detail"]["error"] == "stale_version"
    assert "reload it and retry" in stale.json()["detail"]["message"]


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "error"),
    [
        ("acknowledge", {}, {}, 428, "version_required"),
        ("acknowledge", {"version": 1}, {"If-Match": "soon"}, 400, "invalid"),
        ("acknowledge", {"version": 2}, {"If-Match": '"1"'}, 400, "invalid"),
        ("reopen", {"reason": "again", "version": 1}, {}, 409, "invalid_transition"),
        ("notes", {"text": "   ", "version": 1}, {}, 400, "invalid"),
    ],
)
async def test_bad_writes_get_a_4xx_naming_what_to_fix(
    harness: Harness,
    path: str,
    body: dict[str, Any],
    headers: dict[str, str],
    status: int,
    error: str,
) -> None:
    case = await case_of(harness, "unlinked:u-5")
    async with api_client(harness) as api:
        response = await api.post(f"/v1/cases/{case.case_id}/{path}", json=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["detail"]["error"] == error
    assert response.json()["detail"]["message"]


async def test_unknown_cases_cursors_and_fields_are_4xx(harness: Harness) -> None:
    async with api_client(harness) as api:
        missing = await api.get("/v1/cases/nope")
        write = await api.post("/v1/cases/nope/acknowledge", json={"version": 1})
        cursor = await api.get("/v1/cases", params={"cursor": "not-a-cursor"})
        both = await api.get("/v1/cases", params={"person": "a", "identifier": "b"})
        extra = await api.post("/v1/cases/nope/notes", json={"text": "x", "version": 1, "oops": 1})
        priority = await api.get("/v1/cases", params={"priority": 7})
        span = await api.get("/v1/feedback/kpis", params={"from": "2026-03-02", "to": "2026-03-01"})
    assert [r.status_code for r in (missing, write, cursor, both, extra, priority, span)] == [
        404,
        404,
        400,
        400,
        422,
        422,
        400,
    ]
    assert cursor.json()["detail"]["field"] == "cursor"


async def test_reopening_is_refused_while_the_person_has_another_active_case(
    harness: Harness,
) -> None:
    case = await case_of(harness, "unlinked:u-5")
    async with api_client(harness) as api:
        body = {"note": "n", "rootCause": "r", "version": case.version}
        assert (await api.post(f"/v1/cases/{case.case_id}/resolve", json=body)).is_success
        harness.advance(40 * 24 * HOUR)  # past the reopen window: a new case opens
        await harness.batch(events=[answer(score=2, user_id="u-5", at=T0 + 40 * 24 * HOUR)])
        reopen = await api.post(
            f"/v1/cases/{case.case_id}/reopen", json={"reason": "wrong fix", "version": 2}
        )
    assert reopen.status_code == 409
    assert reopen.json()["detail"]["error"] == "active_case_exists"


async def test_a_person_by_identifier_with_value_and_acquisition(harness: Harness) -> None:
    async with api_client(harness) as api:
        vip = (await api.get("/v1/people/vip")).json()
        provisional = (await api.get("/v1/people/u-5")).json()
        missing = await api.get("/v1/people/nobody")
    assert (vip["personId"], vip["value"], vip["valueCurrency"]) == ("p-vip", "5000.0000", "USD")
    assert (provisional["personId"], provisional["provisional"]) == ("unlinked:u-5", True)
    assert missing.status_code == 404


def test_the_openapi_describes_every_status_of_every_route(harness: Harness) -> None:
    spec = api_app(harness).openapi()
    writes = [p for p in spec["paths"] if p.startswith("/v1/cases/{case_id}/")]
    assert len(writes) == 5
    for path in writes:
        assert {"200", "400", "404", "409", "422", "428"} <= set(
            spec["paths"][path]["post"]["responses"]
        )
    assert {"200", "404"} <= set(spec["paths"]["/v1/cases/{case_id}"]["get"]["responses"])
    assert {"200", "400", "422"} <= set(spec["paths"]["/v1/feedback/kpis"]["get"]["responses"])
