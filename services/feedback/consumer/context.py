"""What the feedback handlers, jobs and API share: the policy, the topics, the value rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback.consumer.book import CaseBook
from services.feedback.metrics import FeedbackMetrics
from services.feedback.people import Person, customer_value
from services.feedback.policy import FeedbackPolicy
from services.feedback.reading import TextReader
from services.feedback.repository import cases
from services.feedback.triage import CustomerValue
from services.feedback.wire import CaseTopics, case_outputs
from shared.events import CaseEventRecord
from shared.producer import OutgoingRecord
from shared.routes import Work


@dataclass(frozen=True, slots=True)
class Feedback:
    policy: FeedbackPolicy
    topics: CaseTopics
    reader: TextReader
    metrics: FeedbackMetrics
    reporting_currency: str
    rates: Mapping[str, Decimal]

    def value_of(self, person: Person | None) -> CustomerValue:
        if person is None:
            return CustomerValue()
        return customer_value(person.revenue, currency=self.reporting_currency, rates=self.rates)

    async def write_cases(
        self, session: AsyncSession, book: CaseBook, *, work: Work | None = None
    ) -> tuple[Sequence[CaseEventRecord], list[OutgoingRecord]]:
        """Stores the book's changed cases and their events; returns the events and what to
        publish."""
        records = book.records()
        written = await cases.save(session, book.changed(), policy=self.policy.sla)
        appended = await cases.append_events(session, records)
        if work is not None:
            work.wrote("cases", written)
            work.wrote("case_events", appended)
        return records, case_outputs(records, topics=self.topics)
