"""Applies a PersonErased to feedback's tables (the privacy job, shared/privacy).

Every row of the person goes — identities (theirs and the provisional persons of their
identifiers), the person, the copies of their journey, their responses with their comments,
their cases and every case merged into one, and the cases' histories — while the maintained
counts keep what the person added, anonymously: response and theme counts as they are, and
the KPIs' counts of their cases in ``erased_case_counts``. So the KPIs and themes read the
same after as before.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback.erasure import ErasureScope
from services.feedback.repository import cases as case_rows
from services.feedback.repository import erasure, people
from shared.privacy import Erased, Pending

MAX_ROUNDS = 5  # of widening the scope; a person's mappings settle in one or two


async def scope_of(session: AsyncSession, pending: Pending) -> ErasureScope:
    scope = ErasureScope.start(pending.person_id, pending.identifiers)
    for _ in range(MAX_ROUNDS):
        wider = scope.widened(await erasure.mappings(session, scope.identifiers, scope.persons))
        if wider == scope:
            break
        scope = wider
    return scope


async def erase_feedback(session: AsyncSession, pending: Pending, now: datetime) -> Erased:
    await people.lock_intake(session)  # no batch writes the persons meanwhile
    scope = await scope_of(session, pending)
    cases = await erasure.cases_of(session, scope.persons)
    # The case API and the SLA job lock a case before they change it or add to its history.
    await case_rows.locked(session, cases)
    await erasure.keep_case_counts(session, cases)
    rows = await erasure.delete_all(
        session, persons=scope.persons, identifiers=scope.identifiers, cases=cases
    )
    return Erased(rows=rows)
