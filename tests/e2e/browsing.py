"""What the pages' browser test needs besides its assertions: the stream sent and every
consumer caught up (by their own /v1/pipeline counters), what the read APIs answer, and the
Chromium driver (tests/browser/pages.mjs) run with a plan."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests import infra
from tests.e2e.conftest import Stack
from tests.e2e.test_pipeline import get

MODELS = ["last_touch", "linear"]  # path models: no refit moves them while the test reads


def send(stack: Stack, stream: list[dict[str, Any]]) -> None:
    with httpx.Client(
        base_url=stack.urls["collector"], auth=(stack.write_key, ""), timeout=30
    ) as http:
        for start in range(0, len(stream), 50):
            answer = http.post("/v1/batch", json={"batch": stream[start : start + 50]})
            assert answer.status_code == 200, answer.text


def pipelines(stack: Stack) -> dict[str, Any]:
    return {name: get(f"{url}/v1/pipeline") for name, url in stack.urls.items()}


def processed(summary: dict[str, Any], suffix: str) -> int:
    return sum(t["processed"] for t in summary["topics"] if t["topic"].endswith(suffix))


def settled(p: dict[str, Any]) -> bool:
    """Every consumer has applied every record it has been given (their own counters)."""
    if any(summary is None for summary in p.values()):
        return False
    accepted = sum(p["collector"]["accepted"].values())
    emitted = p["sessionizer"]["emitted"]
    journeys = sum(n for topic, n in emitted.items() if topic.endswith("journeys.v1"))
    identities = sum(n for topic, n in emitted.items() if topic.endswith("identities.v1"))
    return (
        all(
            processed(p[s], "tracking.events.v1") == accepted
            for s in ("sessionizer", "attribution", "feedback")
        )
        and processed(p["attribution"], "journeys.v1") == journeys
        and processed(p["feedback"], "journeys.v1") == journeys
        and processed(p["feedback"], "identities.v1") == identities
    )


def drive(plan: dict[str, Any], work: Path) -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "node is needed for the browser tests (make browser-deps)"
    (work / "plan.json").write_text(json.dumps(plan))
    done = subprocess.run(
        [node, "pages.mjs", str(work / "plan.json")],
        cwd=infra.ROOT / "tests" / "browser",
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


def expected(stack: Stack, window: dict[str, str], *, today: date) -> dict[str, Any]:
    """What the read APIs answer, for the page to be compared with."""
    a, f = stack.urls["attribution"], stack.urls["feedback"]
    q = httpx.QueryParams({**window, "models": ",".join(MODELS)})
    report = get(f"{a}/v1/attribution?{q}&group_by=campaign")
    paid = next(g["key"] for g in report["groups"] if g["cost"] is not None and g["key"])
    outer = {"from": str(today - timedelta(days=83)), "to": str(today)}
    return {
        "configured": get(f"{a}/v1/attribution?from={today}&to={today}"),  # every model
        "report": report,
        "paid_campaign": paid,
        "series": get(f"{a}/v1/attribution/series?{q}"),
        "paid_series": get(f"{a}/v1/attribution/series?{q}&group_by=campaign&key={paid}"),
        "latest": get(f"{a}/v1/attribution/conversions?{httpx.QueryParams(window)}&limit=10"),
        "csv": httpx.get(
            f"{a}/v1/attribution?{q}&group_by=campaign&format=csv", headers=bearer(stack)
        ).text,
        "open": get(f"{f}/v1/cases?status=open&limit=50"),
        "kpis": get(f"{f}/v1/feedback/kpis?{httpx.QueryParams({**outer, 'grain': 'week'})}"),
        "channels": get(
            f"{f}/v1/feedback/kpis?{httpx.QueryParams({**outer, 'grain': 'all', 'by': 'channel'})}"
        ),
        "themes": get(f"{f}/v1/feedback/themes?{httpx.QueryParams(outer)}"),
    }


def bearer(stack: Stack) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token}"}


def drawn(chart: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {series["name"]: series["values"] for series in chart}


def str_number(value: float) -> str:
    """A number as the page's data-value holds it: JavaScript's String() of the JSON number."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
