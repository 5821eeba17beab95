"""The feedback HTTP API: the case queue and commands, KPIs, themes, persons.

``feedback_router`` assembles it from routers kept apart by what they need: reads of cases
(``case_reads``), writes of cases (``case_writes``), reports (``reports_router``). An access
rule (an API token's scope) is one ``dependencies=[...]`` on the router it concerns."""

from __future__ import annotations

from fastapi import APIRouter

from services.feedback.api.cases import case_reads
from services.feedback.api.commands import case_writes
from services.feedback.api.reports import reports_router


def feedback_router() -> APIRouter:
    """Reads ``app.state.feedback_api`` (an ``ApiContext``, see services/feedback/__main__.py)."""
    router = APIRouter()
    router.include_router(case_reads())
    router.include_router(case_writes())
    router.include_router(reports_router())
    return router
