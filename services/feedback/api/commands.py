"""The case API's writes: the agents' commands on a case.

Each runs in its own transaction: the case row is locked, the version the caller read is checked
(``If-Match: "<version>"`` or ``version`` in the body), the command applies, the case and its
events are stored and the events staged in the outbox, all in one commit; the consumer loop's
relay publishes them (within ``FEEDBACK__JOBS__RELAY_PERIOD``, 2 s, when no batch arrives).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header
from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback import lifecycle
from services.feedback.api.context import Context, described, refuse
from services.feedback.api.models import (
    AcknowledgeIn,
    AssignIn,
    CaseOut,
    Command,
    NoteIn,
    ReopenIn,
    ResolveIn,
)
from services.feedback.case import Case, CaseConflict, Change, expect_version
from services.feedback.case_rows import sla_deadline
from services.feedback.consumer.book import CaseBook
from services.feedback.repository import cases, people
from services.feedback.tables import OUTBOX
from shared import outbox
from shared.api import DbSession
from shared.auth import AUTH_RESPONSES, require
from shared.errors import BadInput

Apply = Callable[[Case, datetime], Change]
Guard = Callable[[AsyncSession, Case], Awaitable[None]]
WRITE_ERRORS = described(400, 404, 409, 428)


def expected_version(header: str | None, body: Command) -> int:
    """The version a write is based on: ``If-Match`` (``"3"``, ``W/"3"`` or ``3``) or the body's
    ``version``; both given must agree."""
    from_header = None
    if header is not None:
        raw = header.strip().removeprefix("W/").strip('"')
        if not raw.isdigit():
            raise refuse(
                400, "invalid", 'If-Match must be the case version, e.g. "3"', field="If-Match"
            )
        from_header = int(raw)
    if from_header is not None and body.version is not None and from_header != body.version:
        raise refuse(400, "invalid", "If-Match and version disagree", field="version")
    version = from_header if from_header is not None else body.version
    if version is None:
        raise refuse(
            428,
            "version_required",
            "send the version of the case you read, as If-Match or as version in the body",
            field="version",
        )
    return version


IfMatch = Annotated[str | None, Header(alias="If-Match")]


async def run_command(
    session: DbSession,
    context: Context,
    case_id: str,
    *,
    version: int,
    apply: Apply,
    guard: Guard | None = None,
) -> CaseOut:
    """``guard``: a check that needs the database, run after the case is locked; a guarded
    command also takes the consumer's intake lock first (in the consumer's lock order), so no
    batch changes the person's cases meanwhile."""
    feedback, now = context.feedback, context.clock()
    try:
        async with session.begin():
            if guard is not None:
                await people.lock_intake(session)
            case = await cases.one(session, case_id, for_update=True)
            if case is None:
                raise refuse(404, "not_found", f"no case {case_id}", field="case_id")
            expect_version(case, version)
            if guard is not None:
                await guard(session, case)
            change = apply(case, now)
            book = CaseBook.of([case])
            book.apply(change)
            records, out = await feedback.write_cases(session, book)
            await outbox.stage(session, OUTBOX, out)
    except CaseConflict as exc:  # StaleVersion included
        raise refuse(409, exc.code, exc.message) from exc
    except BadInput as exc:
        raise refuse(400, exc.code, exc.message, field=exc.field) from exc
    feedback.metrics.case_events(records)
    deadline = sla_deadline(change.case, policy=feedback.policy.sla)
    return CaseOut.of(change.case, deadline=deadline, now=now)


async def no_other_active_case(session: AsyncSession, case: Case) -> None:
    active = await cases.active_of(session, case.person_id)
    if active is not None and active != case.case_id:
        raise CaseConflict(
            f"cannot reopen case {case.case_id}: person {case.person_id} has an active case "
            f"{active}; add to that one",
            case_id=case.case_id,
            code="active_case_exists",
        )


def case_writes() -> APIRouter:
    router = APIRouter(
        prefix="/v1",
        tags=["cases"],
        dependencies=[Depends(require("cases:write"))],
        responses=AUTH_RESPONSES,
    )
    post = router.post

    @post("/cases/{case_id}/assign", response_model=CaseOut, responses=WRITE_ERRORS)
    async def assign(
        case_id: str, body: AssignIn, session: DbSession, context: Context, if_match: IfMatch = None
    ) -> CaseOut:
        """Gives the case to an owner (an agent or a team)."""
        return await run_command(
            session,
            context,
            case_id,
            version=expected_version(if_match, body),
            apply=lambda case, at: lifecycle.assign(case, body.owner, at=at, by=body.by),
        )

    @post("/cases/{case_id}/acknowledge", response_model=CaseOut, responses=WRITE_ERRORS)
    async def acknowledge(
        case_id: str,
        body: AcknowledgeIn,
        session: DbSession,
        context: Context,
        if_match: IfMatch = None,
    ) -> CaseOut:
        """First contact with the customer: stops the first-contact clock."""
        return await run_command(
            session,
            context,
            case_id,
            version=expected_version(if_match, body),
            apply=lambda case, at: lifecycle.acknowledge(case, at=at, by=body.by, note=body.note),
        )

    @post("/cases/{case_id}/resolve", response_model=CaseOut, responses=WRITE_ERRORS)
    async def resolve(
        case_id: str,
        body: ResolveIn,
        session: DbSession,
        context: Context,
        if_match: IfMatch = None,
    ) -> CaseOut:
        """Closes the loop: publishes ``resolved`` and ``close_the_loop`` (with ``survey``: ask
        the customer a follow-up survey)."""
        return await run_command(
            session,
            context,
            case_id,
            version=expected_version(if_match, body),
            apply=lambda case, at: lifecycle.resolve(
                case,
                note=body.note,
                root_cause=body.root_cause,
                recovered=body.recovered,
                at=at,
                by=body.by,
                survey=body.survey,
            ),
        )

    @post("/cases/{case_id}/reopen", response_model=CaseOut, responses=WRITE_ERRORS)
    async def reopen(
        case_id: str, body: ReopenIn, session: DbSession, context: Context, if_match: IfMatch = None
    ) -> CaseOut:
        """Back to open with the same owner; the SLA clocks start again. Refused while the
        person has another active case (add to that one instead)."""
        return await run_command(
            session,
            context,
            case_id,
            version=expected_version(if_match, body),
            apply=lambda case, at: lifecycle.reopen(case, reason=body.reason, at=at, by=body.by),
            guard=no_other_active_case,
        )

    @post("/cases/{case_id}/notes", response_model=CaseOut, responses=WRITE_ERRORS)
    async def add_note(
        case_id: str, body: NoteIn, session: DbSession, context: Context, if_match: IfMatch = None
    ) -> CaseOut:
        """A note in the case's history."""
        return await run_command(
            session,
            context,
            case_id,
            version=expected_version(if_match, body),
            apply=lambda case, at: lifecycle.add_note(case, body.text, at=at, by=body.by),
        )

    return router
