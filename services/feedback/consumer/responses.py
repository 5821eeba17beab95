"""Feedback responses in (from the raw events), cases and counts out.

Per batch: read the texts → lock the intake → one load each of the stored responses (to skip
redeliveries), the identity links, the persons, their recent negatives and their last cases →
decide each response in order, in memory → one write each of the inferred identities, the
responses, the counts, the cases and their events.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.feedback.consumer.book import CaseBook
from services.feedback.consumer.context import Feedback
from services.feedback.counting import Counted, ResponseDeltas, ThemeDeltas
from services.feedback.decision import Decision, decide
from services.feedback.instruments import Response
from services.feedback.people import Person, Resolver
from services.feedback.reading import language_hint
from services.feedback.repository import cases, counts, people, responses
from services.feedback.text.verdict import TextVerdict
from shared.producer import OutgoingRecord
from shared.routes import Delivery, Work


@dataclass(frozen=True, slots=True)
class Loaded:
    """What the batch's responses need from the database."""

    fresh: list[Response]
    resolver: Resolver
    person_of: dict[str, str]
    persons: dict[str, Person]
    negatives: dict[str, list[datetime]]
    book: CaseBook


@dataclass
class Outcome:
    """What deciding the batch produced, to be written."""

    rows: list[dict[str, Any]]
    counts: ResponseDeltas
    themes: ThemeDeltas
    received_at: datetime

    def record(
        self,
        response: Response,
        verdict: TextVerdict | None,
        decision: Decision,
        *,
        person_id: str,
        segment: tuple[str, str],
    ) -> None:
        """The response's row, and what it adds to its segment's and its themes' counts."""
        self.rows.append(
            row_of(
                response,
                verdict,
                decision=decision,
                person_id=person_id,
                segment=segment,
                received_at=self.received_at,
            )
        )
        day = response.occurred_at.astimezone(UTC).date()
        self.counts.add(Counted(day, response.instrument, response.band, response.score), segment)
        if verdict is not None:
            negative = decision.negativity.negative
            self.themes.add(verdict.themes, day, negative=negative, score=verdict.score)


class ResponseHandler:
    def __init__(self, feedback: Feedback) -> None:
        self._feedback = feedback

    async def __call__(
        self, work: Work, deliveries: Sequence[Delivery[Response | None]]
    ) -> list[OutgoingRecord]:
        batch = list({d.value.message_id: d.value for d in deliveries if d.value}.values())
        if not batch:
            return []
        with work.stage("read_text"):
            verdicts = await self._read(batch)
        with work.stage("load"):
            loaded = await self._load(work, batch)
        if not loaded.fresh:
            return []
        with work.stage("rules"):
            outcome = self._decide(work, loaded, verdicts)
        with work.stage("write"):
            return await self._write(work, loaded, outcome)

    async def _read(self, batch: Sequence[Response]) -> dict[str, TextVerdict]:
        """The text verdict of every response with text, in one call (off the event loop: the
        classifier is CPU work)."""
        texts = [r for r in batch if r.text]
        if not texts:
            return {}
        found = await asyncio.to_thread(
            self._feedback.reader.read_many,
            [r.text or "" for r in texts],
            languages=[language_hint(r.language) for r in texts],
        )
        return {r.message_id: verdict for r, verdict in zip(texts, found, strict=True)}

    async def _load(self, work: Work, batch: Sequence[Response]) -> Loaded:
        session = work.session
        await people.lock_intake(session)
        seen = await responses.known(session, [r.message_id for r in batch])
        fresh = [r for r in batch if r.message_id not in seen]
        identifiers = {i for r in fresh for i in r.identifiers}
        resolver = Resolver(await people.identities(session, identifiers))
        person_of = {r.message_id: resolver.person_of(r.identifiers) for r in fresh}
        ids = set(person_of.values())
        window = self._feedback.policy.triage.repeat_window
        since = min((r.occurred_at for r in fresh), default=work.now) - window
        return Loaded(
            fresh=fresh,
            resolver=resolver,
            person_of=person_of,
            persons=await people.persons(session, ids),
            negatives=await responses.negatives_since(session, ids, since=since),
            book=CaseBook.of((await cases.latest(session, ids)).values()),
        )

    def _decide(self, work: Work, loaded: Loaded, verdicts: dict[str, TextVerdict]) -> Outcome:
        """Each response in batch order, so a person's second answer sees what the first did."""
        outcome = Outcome([], ResponseDeltas(), ThemeDeltas(), received_at=work.now)
        for response in loaded.fresh:
            person_id = loaded.person_of[response.message_id]
            person = loaded.persons.get(person_id)
            verdict = verdicts.get(response.message_id)
            earlier = loaded.negatives.setdefault(person_id, [])
            decision = decide(
                response,
                verdict,
                person_id=person_id,
                last=loaded.book.last_of(person_id),
                value=self._feedback.value_of(person),
                earlier_negatives=tuple(earlier),
                at=work.now,
                policy=self._feedback.policy,
            )
            loaded.book.apply(decision.change)
            if decision.negativity.negative:
                earlier.append(response.occurred_at)
            segment = person.segment if person else ("", "")
            outcome.record(response, verdict, decision, person_id=person_id, segment=segment)
        return outcome

    async def _write(self, work: Work, loaded: Loaded, outcome: Outcome) -> list[OutgoingRecord]:
        session = work.session
        inferred = list(loaded.resolver.inferred.values())
        work.wrote("identities", await people.save_identities(session, inferred))
        work.wrote("responses", await responses.save(session, outcome.rows))
        work.wrote("response_counts", await counts.add_responses(session, outcome.counts.nonzero()))
        work.wrote("theme_counts", await counts.add_themes(session, outcome.themes.rows))
        records, out = await self._feedback.write_cases(session, loaded.book, work=work)
        metrics, rows = self._feedback.metrics, outcome.rows

        def count() -> None:
            for row in rows:
                metrics.responses.labels(row["instrument"], row["band"] or "none").inc()
                if row["negative"]:
                    metrics.negatives.labels(row["cause"]).inc()
            metrics.case_events(records)

        work.after_commit(count)
        return out


def row_of(
    response: Response,
    verdict: TextVerdict | None,
    *,
    decision: Decision,
    person_id: str,
    segment: tuple[str, str],
    received_at: datetime,
) -> dict[str, Any]:
    negativity = decision.negativity
    return {
        "message_id": response.message_id,
        "person_id": person_id,
        "instrument": response.instrument,
        "score": response.score,
        "band": response.band,
        "text": response.text,
        "declared_language": response.language,
        "language": verdict.language if verdict else None,
        "label": verdict.label if verdict else None,
        "text_score": verdict.score if verdict else None,
        "confidence": verdict.confidence if verdict else None,
        "themes": list(verdict.themes) if verdict else [],
        "intents": list(verdict.intents) if verdict else [],
        "classifier_version": verdict.classifier_version if verdict else None,
        "negative": negativity.negative,
        "cause": negativity.cause,
        "reasons": [*negativity.reasons, *(decision.triage.reasons if decision.triage else ())],
        "channel": response.channel,
        "source": response.source,
        "public": response.public,
        "survey_id": response.survey_id,
        "answers_case_id": response.case_id,
        "occurred_at": response.occurred_at,
        "received_at": received_at,
        "case_id": decision.case_id,
        "counted_channel": segment[0],
        "counted_campaign": segment[1],
    }
