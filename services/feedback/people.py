"""Who a response is from, on the sessionizer's identity graph. Pure: plain data in and out.

The sessionizer publishes identity links (identifier → person, versioned; the highest version
wins) and merges (``merged_from`` absorbed into ``person_id``). A response carries identifiers
(userId, anonymousId, ``kind:value``) and belongs to the person the first *linked* one belongs
to. When none is linked yet (feedback often arrives before the sessionizer's links do), the
response gets a **provisional person**, ``unlinked:<its first identifier>``, and each of its
identifiers is mapped to it (version 0: inferred by feedback, not linked). Identifiers seen on
one event are one person for the sessionizer too, so identifiers not yet linked that arrive
beside a linked one are mapped to that person (version 0) as well.

When a link arrives for an identifier that maps to a provisional person, that person is
absorbed into the linked one, exactly like a merge: its responses and cases move, its case merges
with the person's active case. So one human's device, login, hashed email and CRM contact end on
one person and one case whatever order the links and the feedback arrived in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from services.feedback.triage import CustomerValue
from shared.events import IdentityLink

PROVISIONAL = "unlinked:"
INFERRED = 0  # the version of a mapping feedback inferred; every link has a higher one


def provisional_person(identifier: str) -> str:
    return f"{PROVISIONAL}{identifier}"


def is_provisional(person_id: str) -> bool:
    return person_id.startswith(PROVISIONAL)


@dataclass(frozen=True, slots=True)
class Known:
    """A stored mapping of an identifier."""

    identifier: str
    person_id: str
    version: int

    @property
    def linked(self) -> bool:
        return self.version > INFERRED


@dataclass
class Resolver:
    """Resolves the responses of one batch, in order, remembering what it inferred so later
    responses of the batch resolve alike."""

    known: dict[str, Known]
    inferred: dict[str, Known] = field(default_factory=dict)

    def person_of(self, identifiers: Sequence[str]) -> str:
        if not identifiers:
            raise ValueError("a response needs at least one identifier")
        found = [self.known[i] for i in identifiers if i in self.known]
        linked = [k for k in found if k.linked]
        chosen = (linked or found)[:1]
        person = chosen[0].person_id if chosen else provisional_person(identifiers[0])
        for identifier in identifiers:
            if identifier not in self.known:
                mapping = Known(identifier, person, INFERRED)
                self.known[identifier] = self.inferred[identifier] = mapping
        return person


@dataclass(frozen=True, slots=True)
class Linking:
    """What a batch of identity links changes."""

    # The newest link of each identifier that is newer than what is stored.
    rows: tuple[Known, ...]
    # Absorbed person → the person it ends in, in the order the absorptions happened.
    absorbed: dict[str, str]


def apply_links(links: Iterable[IdentityLink], stored: Mapping[str, Known]) -> Linking:
    """Links newer than the stored mapping win; a provisional person whose identifier gets
    linked, and every ``merged_from`` of a newer link, is absorbed into the linked person. A
    redelivered link is not newer, so it changes nothing."""
    state = dict(stored)
    changed: dict[str, Known] = {}
    moves: list[tuple[str, str]] = []
    for link in links:
        before = state.get(link.identifier)
        if before is not None and before.version >= link.version:
            continue
        if before is not None and is_provisional(before.person_id):
            moves.append((before.person_id, link.person_id))
        if link.merged_from:
            moves.append((link.merged_from, link.person_id))
        state[link.identifier] = changed[link.identifier] = Known(
            link.identifier, link.person_id, link.version
        )
    return Linking(rows=tuple(changed.values()), absorbed=absorption_targets(moves))


def absorption_targets(moves: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each person whose data moves → where it ends, the moves applied in order: a move takes
    everything then held by the absorbed person (A → B then B → C sends A and B to C). A later
    move can undo an earlier one: the sessionizer merges A into B, then finds A the older and
    re-keys B into A (A → B, B → A): everything ends with A, as its links' last versions say.
    Absorbing a person into itself moves nothing."""
    where: dict[str, str] = {}  # person → who holds its data now
    for absorbed, survivor in moves:
        if absorbed == survivor:
            continue
        for person, holder in where.items():
            if holder == absorbed:
                where[person] = survivor
        if where.get(absorbed, absorbed) == absorbed:
            where[absorbed] = survivor
    return {person: holder for person, holder in where.items() if person != holder}


@dataclass(frozen=True, slots=True)
class Acquisition:
    """The person's first live touchpoint."""

    channel: str
    source: str | None
    campaign: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Person:
    """What feedback knows of a person from the journeys: revenue per currency, first touch.
    A provisional person, or one no journey names yet, knows nothing."""

    person_id: str
    revenue: Mapping[str, Decimal] = field(default_factory=dict)
    conversions: int = 0
    acquisition: Acquisition | None = None

    @property
    def segment(self) -> tuple[str, str]:
        """(channel, campaign) of the acquisition, ``""`` for unknown: the KPI segment."""
        touch = self.acquisition
        return (touch.channel, touch.campaign or "") if touch else ("", "")


def customer_value(
    revenue: Mapping[str, Decimal], *, currency: str, rates: Mapping[str, Decimal]
) -> CustomerValue:
    """Revenue to date in the reporting currency: other currencies at their rate; a currency
    without a rate does not count (it cannot be compared with the rules' thresholds)."""
    total = Decimal(0)
    for code, amount in revenue.items():
        rate = Decimal(1) if code == currency else rates.get(code)
        if rate is not None:
            total += amount * rate
    return CustomerValue(revenue_to_date=total)
