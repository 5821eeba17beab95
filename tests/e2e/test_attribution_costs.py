"""Journeys from two ad campaigns with their costs — ad clicks carrying a cost, and a spend
import — through the whole pipeline, read back as CPA, ROAS and ROI per campaign under four
models side by side."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from segment.analytics import Client

from tests.e2e.conftest import TOKEN, Stack
from tests.e2e.test_pipeline import get, poll

MODELS = ("last_touch", "first_touch", "linear", "markov")
BEARER = {"Authorization": f"Bearer {TOKEN}"}  # every scope: reads and the spend import


def landing(campaign: str) -> dict[str, Any]:
    url = f"https://shop.example/?utm_source=google&utm_medium=cpc&utm_campaign={campaign}"
    return {"page": {"url": url, "referrer": "https://www.google.com/"}}


def campaign_start() -> datetime:
    """Two hours ago, but never yesterday: the ad clicks and the spend import share a day."""
    now = datetime.now(UTC)
    return max(now - timedelta(hours=2), now.replace(hour=0, minute=0, second=1, microsecond=0))


def send_journeys(client: Client, *, spring: str, autumn: str, run: str) -> None:
    """a1, a2: spring, then an order of 100. b1: spring, an hour later autumn, an order of 300.
    Each ad click costs 5 (spring) or 1 (autumn)."""
    start = campaign_start()
    for n, (campaign, cost) in enumerate([(spring, 5), (spring, 5), (autumn, 1)]):
        client.track(
            anonymous_id=f"click-{run}-{n}",
            event="Ad Clicked",
            properties={"campaign": campaign, "network": "google", "cost": cost, "currency": "USD"},
            timestamp=start,
        )
    for visitor, revenue in (("a1", 100), ("a2", 100), ("b1", 300)):
        anonymous_id, user_id = f"{visitor}-{run}", f"user-{visitor}-{run}"
        client.page(
            anonymous_id=anonymous_id, name="Landing", context=landing(spring), timestamp=start
        )
        at = start + timedelta(minutes=5)
        if visitor == "b1":
            at = start + timedelta(hours=1)
            client.page(
                anonymous_id=anonymous_id, name="Landing", context=landing(autumn), timestamp=at
            )
        client.identify(anonymous_id=anonymous_id, user_id=user_id, timestamp=at)
        client.track(
            anonymous_id=anonymous_id,
            user_id=user_id,
            event="Order Completed",
            properties={"revenue": revenue, "currency": "USD"},
            timestamp=at + timedelta(minutes=1),
        )


def campaign_rows(body: Any, *campaigns: str) -> dict[str, Any]:
    return {g["key"]: g for g in (body or {}).get("groups", []) if g["key"] in campaigns}


def test_cpa_roas_and_roi_per_campaign_from_ad_costs_and_a_spend_import(stack: Stack) -> None:
    run = uuid.uuid4().hex[:8]
    spring, autumn = f"spring-{run}", f"autumn-{run}"
    errors: list[Exception] = []
    client = Client(
        write_key=stack.write_key,
        host=stack.urls["collector"],
        on_error=lambda error, _: errors.append(error),
        max_retries=3,
    )
    send_journeys(client, spring=spring, autumn=autumn, run=run)
    client.flush()
    client.join()
    assert errors == []

    today = campaign_start().date().isoformat()
    spend = f"date,source,medium,campaign,cost,currency\n{today},google,cpc,{autumn},50,USD\n"
    imported = httpx.post(
        f"{stack.urls['attribution']}/v1/attribution/spend",
        content=spend,
        headers={"content-type": "text/csv", **BEARER},
        timeout=10,
    )
    assert imported.json()["accepted"] == 1, imported.text

    url = (
        f"{stack.urls['attribution']}/v1/attribution?models={','.join(MODELS)}"
        f"&group_by=campaign&currency=USD"
    )

    def complete(body: Any) -> bool:
        rows = campaign_rows(body, spring, autumn)
        if len(rows) < 2 or rows[spring]["cost"] != "10.0000":
            return False
        total = sum(Decimal(r["models"]["last_touch"]["conversions"]) for r in rows.values())
        return total == 3

    body = poll(lambda: get(url), complete, what="three conversions with their costs", timeout_s=90)
    rows = campaign_rows(body, spring, autumn)
    a, b = rows[spring], rows[autumn]
    # Costs: two spring clicks at 5; autumn's import (50) replaces its click (1) of the day.
    assert (a["cost"], b["cost"]) == ("10.0000", "50.0000")
    # last touch: spring a1 + a2 = 200, autumn b1 = 300.
    assert a["models"]["last_touch"] == {
        "conversions": "2.000000",
        "revenue": "200.0000",
        "cpa": "5.0000",
        "roas": "20.0000",
        "roi": "19.0000",
    }
    assert b["models"]["last_touch"] == {
        "conversions": "1.000000",
        "revenue": "300.0000",
        "cpa": "50.0000",
        "roas": "6.0000",
        "roi": "5.0000",
    }
    # first touch: everything to spring (b1 came from spring first).
    assert a["models"]["first_touch"]["revenue"] == "500.0000"
    assert a["models"]["first_touch"]["roas"] == "50.0000"
    assert b["models"]["first_touch"]["conversions"] == "0"
    # linear: b1's 300 split in two.
    assert (a["models"]["linear"]["revenue"], b["models"]["linear"]["revenue"]) == (
        "350.0000",
        "150.0000",
    )
    assert b["models"]["linear"]["cpa"] == "100.0000"
    # markov: whatever the fit, the three conversions and their 500 are shared out exactly.
    markov = [r["models"]["markov"] for r in (a, b)]
    assert sum(Decimal(m["conversions"]) for m in markov) == 3
    assert sum(Decimal(m["revenue"]) for m in markov) == 500
    assert (a["personsConverted"], b["personsConverted"]) == (3, 1)

    csv = httpx.get(url + "&format=csv", headers=BEARER, timeout=10).text.splitlines()
    assert any(line.startswith(f"{autumn},last_touch,1.000000,300.0000,50.0000,") for line in csv)
