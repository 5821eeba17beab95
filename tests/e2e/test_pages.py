"""Boucle's three pages in headless Chromium (Debian's, driven by tests/browser/pages.mjs) against
the four services, after a shop's last weeks went through the collector: what each chart and
table draws is what the read APIs answer, the pickers, the CSV, the drill-down and the case
commands work, resolving a case takes it out of the queue, and no page logs an error.
Screenshots of every page go to .run/artefacts/screenshots/."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests import infra
from tests.e2e.browsing import MODELS, drawn, drive, expected, pipelines, send, settled, str_number
from tests.e2e.conftest import Stack
from tests.e2e.shop import shop_stream
from tests.e2e.test_pipeline import get, poll

SCREENSHOTS = infra.ROOT / ".run" / "artefacts" / "screenshots"
# P2 cases pass their first-contact deadline 20 s after opening (the queue's overdue rows); the
# SLA job waits an hour, so no escalation reorders the queue while the test reads it.
SLA = {
    "1": {"first_contact": "PT4H", "resolve": "P2D", "ladder": [{"notify": "team_lead"}]},
    "2": {"first_contact": "PT20S", "resolve": "P5D", "ladder": [{"notify": "team_lead"}]},
    "3": {"first_contact": "P2D", "resolve": "P10D", "ladder": [{"notify": "team_lead"}]},
}
STACK_ENV = {
    "FEEDBACK__POLICY__SLA__PRIORITIES": json.dumps(SLA),
    "FEEDBACK__JOBS__SLA_PERIOD": "PT1H",
}


@pytest.fixture(scope="module")
def shop(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The stream sent and settled; what the APIs answered; then what the browser saw."""
    now = datetime.now(UTC)
    send(stack, shop_stream(seed=20261201, now=now))
    poll(lambda: pipelines(stack), settled, what="every consumer caught up", timeout_s=120)
    f = stack.urls["feedback"]
    poll(
        lambda: get(f"{f}/v1/cases?status=open&priority=2"),
        lambda found: found and all(c["overdue"] for c in found["cases"]),
        what="every P2 case past its 20 s deadline",
    )
    today = now.date()
    window = {"from": str(today - timedelta(days=9)), "to": str(today), "currency": "EUR"}
    api = expected(stack, window, today=today)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    plan = {
        "token": stack.token,
        "screenshots": str(SCREENSHOTS),
        "urls": stack.urls,
        "attribution": {
            **window,
            "models": MODELS,
            "groupBy": "campaign",
            "tableModel": "linear",
            "seriesGroup": api["paid_campaign"],
        },
        "feedback": {"caseId": api["open"]["cases"][0]["caseId"]},
    }
    seen = drive(plan, tmp_path_factory.mktemp("pages"))
    print(f"\nscreenshots of the pages: {SCREENSHOTS}")
    return {"seen": seen, "api": api, "window": window}


def test_the_attribution_charts_draw_each_chosen_model_with_the_reports_numbers(
    shop: dict[str, Any],
) -> None:
    seen, api = shop["seen"]["attribution"], shop["api"]
    assert seen["offered"] == [m["model"] for m in api["configured"]["models"]]
    groups = drawn(seen["groups"])
    assert list(groups) == MODELS  # one series per model picked
    for model in MODELS:
        assert groups[model] == {
            g["key"] or "(none)": g["models"][model]["revenue"]
            for g in api["report"]["groups"][:12]
        }
    over_time = drawn(seen["series"])
    assert list(over_time) == ["revenue", "cost"]  # every conversion: the models share it out
    assert over_time["revenue"] == {
        p["period"]: p["revenue"][MODELS[0]] for p in api["series"]["points"]
    }
    assert over_time["cost"] == {p["period"]: p["cost"] for p in api["series"]["points"]}
    assert sum(float(v) for v in over_time["cost"].values()) > 0  # the ad clicks' costs
    one_group = drawn(seen["paidSeries"])
    assert list(one_group) == [*MODELS, "cost"]
    for model in MODELS:
        assert one_group[model] == {
            p["period"]: p["revenue"][model] for p in api["paid_series"]["points"]
        }


def test_the_attribution_table_sorts_downloads_and_opens_a_conversions_path(
    shop: dict[str, Any],
) -> None:
    seen, api = shop["seen"]["attribution"], shop["api"]
    groups = api["report"]["groups"]
    table = {row["key"]: row["cells"] for row in seen["table"]}
    assert set(table) == {g["key"] or "(none)" for g in groups}
    for g in groups:
        figures, cells = g["models"][MODELS[0]], table[g["key"] or "(none)"]
        assert [cells[k] for k in ("conversions", "revenue", "cpa", "roas", "roi")] == [
            figures[k] or "" for k in ("conversions", "revenue", "cpa", "roas", "roi")
        ]
        assert cells["cost"] == (g["cost"] or "")
    by_roas = [row["cells"]["roas"] for row in seen["byRoas"]]
    ranked = [float(v) for v in by_roas if v]
    assert ranked == sorted(ranked, reverse=True)
    assert len(ranked) >= 2
    assert by_roas == [v for v in by_roas if v] + [""] * by_roas.count("")  # blanks last
    assert seen["byRoas"][0]["cells"]["roas"] == max(
        (g["models"]["linear"]["roas"] for g in groups if g["models"]["linear"]["roas"]), key=float
    )
    assert seen["csv"] == api["csv"]
    assert [row["key"] for row in seen["conversions"]] == [
        c["conversionId"] for c in api["latest"]["conversions"]
    ]


def test_the_drill_down_shows_the_paths_credits_under_every_model(
    shop: dict[str, Any], stack: Stack
) -> None:
    path = shop["seen"]["attribution"]["path"]
    answer = get(f"{stack.urls['attribution']}/v1/attribution/conversions/{path['conversion']}")
    assert path["conversion"] == shop["api"]["latest"]["conversions"][0]["conversionId"]
    touches = [
        *answer["path"],
        *(
            [{"touchpointId": "", "credits": answer["unattributed"]}]
            if answer["unattributed"]
            else []
        ),
    ]
    assert [row["key"] for row in path["rows"]] == [t["touchpointId"] for t in touches]
    for row, touch in zip(path["rows"], touches, strict=True):
        for model in (m["model"] for m in answer["models"]):
            credit = touch["credits"].get(model)
            assert row["cells"][model] == (credit["weight"] if credit else ""), model


def test_the_queue_lists_the_open_cases_in_order_with_the_overdue_ones_highlighted(
    shop: dict[str, Any],
) -> None:
    seen, cases = shop["seen"]["feedback"], shop["api"]["open"]["cases"]
    assert [row["key"] for row in seen["queue"]] == [c["caseId"] for c in cases]
    overdue = {row["key"] for row in seen["queue"] if "overdue" in row["classes"]}
    assert overdue == {c["caseId"] for c in cases if c["overdue"]}
    assert overdue
    assert len(overdue) < len(cases)
    for row, case in zip(seen["queue"], cases, strict=True):
        assert row["cells"]["priority"] == str(case["priority"])
        assert row["cells"]["reason"] == case["summary"]
        assert row["cells"]["queue"] == case["queue"]
        assert (int(row["cells"]["sla"]) <= 0) == case["overdue"]


def test_the_outer_loop_charts_draw_the_kpis_channels_and_theme_spikes(
    shop: dict[str, Any],
) -> None:
    seen, api = shop["seen"]["feedback"], shop["api"]
    rows = {r["period"]: r for r in api["kpis"]["rows"]}
    for key, name in (("nps", "NPS"), ("csat", "CSAT"), ("ces", "CES")):
        assert drawn(seen[key]) == {
            name: {p: str_number(r[key]) for p, r in rows.items() if r[key] is not None}
        }, key
    assert len(drawn(seen["nps"])["NPS"]) == 5  # five weeks of answers
    channels = {
        r["channel"] or "(unknown)": str_number(r["nps"])
        for r in api["channels"]["rows"]
        if r["nps"] is not None
    }
    assert drawn(seen["channels"]) == {"NPS": channels}
    assert {"email", "paid_search"} <= set(channels)
    themes = {s["name"]: s for s in seen["themes"]}
    spikes = {(w["theme"], w["week"]) for w in api["themes"]["weeks"] if w["spike"]}
    assert {(name, week) for name, s in themes.items() for week in s["marked"]} == spikes
    assert (
        "delivery",
        max(w["week"] for w in api["themes"]["weeks"]),
    ) in spikes  # this week's burst
    for name, s in themes.items():
        assert s["values"] == {
            w["week"]: str(w["responses"]) for w in api["themes"]["weeks"] if w["theme"] == name
        }


def test_assigning_acknowledging_and_resolving_a_case_from_its_page(
    shop: dict[str, Any], stack: Stack
) -> None:
    seen = shop["seen"]["feedback"]
    case_id = shop["api"]["open"]["cases"][0]["caseId"]
    assert seen["acted"]["facts"]["owner"] == "ann"
    assert seen["acted"]["facts"]["status"] == "acknowledged"
    assert seen["acted"]["history"][-2:] == ["assigned", "acknowledged"]
    assert seen["acted"]["responses"], "the customer's answers are on the case page"
    case = get(f"{stack.urls['feedback']}/v1/cases/{case_id}")
    assert case["case"]["status"] == "resolved"
    assert case["case"]["resolution"]["note"] == "refunded the shipping"
    assert case["case"]["resolution"]["by"] == "ann"
    assert case_id in seen["flash"]
    assert case_id not in {row["key"] for row in seen["openAfter"]}
    assert case_id not in {row["key"] for row in seen["activeAfter"]}
    assert len(seen["openAfter"]) == len(shop["api"]["open"]["cases"]) - 1


def test_the_pipeline_page_draws_each_services_own_counters(
    shop: dict[str, Any], stack: Stack
) -> None:
    seen = shop["seen"]["pipeline"]
    now = pipelines(stack)
    collector = now["collector"]
    assert seen["cards"]["received"] == str(sum(collector["received"].values()))
    assert seen["cards"]["accepted"] == str(sum(collector["accepted"].values()))
    assert seen["cards"]["refused"] == str(sum(collector["rejected"].values())) == "12"
    assert seen["cards"]["dead-lettered"] == str(collector["deadLettered"])
    assert drawn(seen["rejected"]) == {
        "refused": {k: str(n) for k, n in collector["rejected"].items() if n}
    }
    assert set(drawn(seen["rejected"])["refused"]) == {"invalid", "invalid_currency"}
    consumers = {row["key"]: row["cells"] for row in seen["consumers"]}
    for service in ("sessionizer", "attribution", "feedback"):
        for topic in now[service]["topics"]:
            cells = consumers[f"{service}|{topic['topic']}"]
            assert (cells["consumed"], cells["processed"], cells["lagRecords"]) == (
                str(topic["consumed"]),
                str(topic["processed"]),
                str(topic["lagRecords"]),
            )
    assert drawn(seen["lag"]) == {
        "records behind": {"sessionizer": "0", "attribution": "0", "feedback": "0"}
    }
    assert drawn(seen["dead"])["dead letters"]["collector"] == str(collector["deadLettered"])
    assert list(drawn(seen["rates"])) == ["received", "accepted", "refused"]
    assert "unreachable" not in seen["status"]


def test_no_page_logged_an_error_and_each_left_a_screenshot(shop: dict[str, Any]) -> None:
    seen = shop["seen"]
    assert seen["problems"] == []
    shots = [
        seen["attribution"]["screenshot"],
        seen["feedback"]["screenshot"],
        seen["feedback"]["caseScreenshot"],
        seen["feedback"]["afterScreenshot"],
        seen["pipeline"]["screenshot"],
    ]
    for shot in shots:
        assert Path(shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", shot
        assert Path(shot).parent == SCREENSHOTS
    assert time.time() - Path(shots[0]).stat().st_mtime < 3600  # this run's, not an old one
