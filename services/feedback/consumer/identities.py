"""Identity links in: identifiers move to their person; absorbed persons (a sessionizer merge,
or a provisional person whose identifier got linked) hand their responses and cases over.
A tombstone (the sessionizer erased the identifier) deletes the identifier's mapping; the rest
of the person goes with the PersonErased that comes on the privacy topic."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from services.feedback.consumer.book import CaseBook
from services.feedback.consumer.context import Feedback
from services.feedback.consumer.decoding import IdentityForgotten
from services.feedback.consumer.segments import recount
from services.feedback.people import apply_links
from services.feedback.repository import cases, people, responses
from shared.events import IdentityLink
from shared.producer import OutgoingRecord
from shared.routes import Delivery, Work


def after_tombstones(
    values: Iterable[IdentityLink | IdentityForgotten],
) -> tuple[list[str], list[IdentityLink]]:
    """(identifiers to forget, the links that came after their identifier's last tombstone, in
    the order they came): an identifier erased and then seen again starts over."""
    seen = list(values)
    # Where each identifier's last tombstone stands (in the order identifiers were first erased).
    last_tombstone: dict[str, int] = {}
    for at, value in enumerate(seen):
        if isinstance(value, IdentityForgotten):
            last_tombstone[value.identifier] = at
    links = [
        value
        for at, value in enumerate(seen)
        if isinstance(value, IdentityLink) and at > last_tombstone.get(value.identifier, -1)
    ]
    return list(last_tombstone), links


class IdentityHandler:
    def __init__(self, feedback: Feedback) -> None:
        self._feedback = feedback

    async def __call__(
        self, work: Work, deliveries: Sequence[Delivery[IdentityLink | IdentityForgotten]]
    ) -> list[OutgoingRecord]:
        forgotten, links = after_tombstones(delivery.value for delivery in deliveries)
        if not (links or forgotten):
            return []
        session = work.session
        with work.stage("load"):
            await people.lock_intake(session)
            work.wrote("identities_forgotten", await people.forget_identities(session, forgotten))
            if not links:
                return []
            stored = await people.identities(session, {link.identifier for link in links})
        with work.stage("rules"):
            linking = apply_links(links, stored)
        with work.stage("write"):
            work.wrote("identities", await people.save_identities(session, linking.rows))
            if not linking.absorbed:
                return []
            return await self._absorb(work, linking.absorbed)

    async def _absorb(self, work: Work, moves: Mapping[str, str]) -> list[OutgoingRecord]:
        """Everything of each absorbed person becomes its survivor's."""
        session = work.session
        await people.remap_identities(session, moves)
        await responses.move(session, moves)
        book = CaseBook.of(await cases.of_persons(session, {*moves, *moves.values()}))
        for absorbed, survivor in moves.items():
            book.absorb(absorbed, survivor, at=work.now)
        records, out = await self._feedback.write_cases(session, book, work=work)
        await recount(work, set(moves.values()))
        metrics = self._feedback.metrics
        work.after_commit(lambda: metrics.case_events(records))
        return out
