"""The feedback batch handler: negative feedback in, follow-up cases out."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback import repository
from services.feedback.routing import NegativeSignal, negative_signal
from services.feedback.tables import CaseRow
from shared.events import FollowUp, TrackingEvent
from shared.ids import stable_id
from shared.producer import OutgoingRecord
from shared.routes import Delivery, Work


class CaseKeeper:
    """One open case per person; each new negative signal opens it or attaches to it."""

    def __init__(self, *, followups_topic: str) -> None:
        self._topic = followups_topic

    async def __call__(
        self, work: Work, deliveries: Sequence[Delivery[TrackingEvent]]
    ) -> list[OutgoingRecord]:
        session = work.session
        out: list[OutgoingRecord] = []
        for delivery in deliveries:
            signal = negative_signal(delivery.value)
            if signal is not None:
                case = await self._apply(session, signal)
                if case is not None:
                    out.append(self._followup(case, signal))
        return out

    async def _apply(self, session: AsyncSession, signal: NegativeSignal) -> CaseRow | None:
        """The case the signal opened or updated; None when the signal was seen before."""
        current = await repository.open_case_of(session, signal.person_id)
        case_id = current.case_id if current else stable_id("case", signal.message_id)
        if not await repository.claim_signal(session, signal, case_id=case_id):
            return None
        if current is None:
            return await repository.open_case(session, signal, case_id=case_id)
        return await repository.attach(session, current, signal)

    def _followup(self, case: CaseRow, signal: NegativeSignal) -> OutgoingRecord:
        followup = FollowUp(
            case_id=case.case_id,
            person_id=case.person_id,
            status=case.status,
            priority=case.priority,
            reason=case.reason,
            opened_at=case.opened_at,
            signal_message_id=signal.message_id,
        )
        return OutgoingRecord(topic=self._topic, key=case.person_id, value=followup.to_bytes())
