"""What the feedback API's routes depend on, as FastAPI dependencies, and how they refuse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from services.feedback.api.models import ErrorBody
from services.feedback.consumer.context import Feedback
from shared.jobs import Clock

STATE_KEY = "feedback_api"


@dataclass(frozen=True, slots=True)
class ApiContext:
    feedback: Feedback
    clock: Clock


def api_context(request: Request) -> ApiContext:
    context: ApiContext = getattr(request.app.state, STATE_KEY)
    return context


Context = Annotated[ApiContext, Depends(api_context)]


def refuse(status: int, error: str, message: str, *, field: str | None = None) -> HTTPException:
    return HTTPException(status, detail={"error": error, "message": message, "field": field})


REFUSALS = {
    400: "Bad input: the message says what to fix",
    404: "No such case",
    409: "The case changed since it was read (stale_version), or its state does not allow "
    "this (invalid_transition, active_case_exists)",
    428: "The version the write is based on is missing (If-Match or body version)",
}


def described(*statuses: int, **texts: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the refusals a route can answer; ``texts`` replaces a
    description by status (``not_found="No such person"``)."""
    names = {400: "bad_input", 404: "not_found", 409: "conflict", 428: "version_required"}
    return {
        status: {"model": ErrorBody, "description": texts.get(names[status], REFUSALS[status])}
        for status in statuses
    }
