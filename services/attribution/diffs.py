"""What changes when persons are recomputed: stored state against fresh plans. Pure.

Credits are compared per (outcome, model): a group whose lines differ is replaced, and emitted
when what it says downstream changed (a new fit that gives the same weights is stored, not sent);
lines no longer given are emitted retracted. Every maintained aggregate moves by the difference
between the replaced lines and their replacements, and the fitted counts and reach by the
difference between each person's stored and fresh contribution, so the aggregates always equal
those of the current state, however it was reached, and applying the same change twice is
impossible: the second time the stored state already equals the fresh one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from services.attribution.lines import CreditLine
from services.attribution.person import Contribution, Count, OutcomeState, PersonPlan, ReachKey

Group = tuple[str, str]  # outcome id, model
TotalKey = tuple[str, str, str, date, str, str]  # model, dimension, value, day, stage, currency
VersionKey = tuple[str, str, str, str]  # model, model key, fit id, channel set
CountKey = tuple[str, str]  # fitted model key, item


@dataclass(frozen=True, slots=True)
class StoredPerson:
    contribution: Mapping[str, Contribution]
    reach: frozenset[ReachKey]
    null_due: datetime | None


@dataclass(frozen=True, slots=True)
class Stored:
    lines: Mapping[Group, Sequence[CreditLine]]
    persons: Mapping[str, StoredPerson]
    credit_versions: Mapping[str, int]  # outcome id → version of its last emitted credits
    outcomes: Mapping[str, OutcomeState]


@dataclass(frozen=True, slots=True)
class Emitted:
    line: CreditLine
    version: int
    retracted: bool


@dataclass
class Changes:
    replaced: list[Group] = field(default_factory=list)
    inserted: list[CreditLine] = field(default_factory=list)
    emitted: list[Emitted] = field(default_factory=list)
    totals: dict[TotalKey, tuple[Decimal, Decimal]] = field(default_factory=dict)
    versions: dict[VersionKey, int] = field(default_factory=dict)
    counts: dict[CountKey, Count] = field(default_factory=dict)
    reach: dict[ReachKey, int] = field(default_factory=dict)
    outcomes: list[tuple[OutcomeState, int]] = field(default_factory=list)  # with credit version
    persons: list[PersonPlan] = field(default_factory=list)  # to store
    gone: list[str] = field(default_factory=list)  # persons with nothing left


def total_keys(line: CreditLine) -> list[TotalKey]:
    values = (line.channel, line.source, line.medium, line.campaign, line.touch_type)
    dimensions = ("channel", "source", "medium", "campaign", "touch_type")
    return [
        (line.model, dimension, value or "", line.day, line.stage, line.currency)
        for dimension, value in zip(dimensions, values, strict=True)
    ]


def changes_of(stored: Stored, plans: Sequence[PersonPlan]) -> Changes:
    changes = Changes()
    fresh: dict[Group, list[CreditLine]] = defaultdict(list)
    for plan in plans:
        for line in plan.lines:
            fresh[line.group].append(line)
    _credits(changes, stored, fresh)
    _outcomes(changes, stored, plans)
    for plan in plans:
        _person(changes, stored.persons.get(plan.person_id), plan)
    changes.counts = {key: delta for key, delta in changes.counts.items() if delta != (0, 0)}
    return changes


def _credits(changes: Changes, stored: Stored, fresh: Mapping[Group, list[CreditLine]]) -> None:
    totals: dict[TotalKey, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    versions: dict[VersionKey, int] = defaultdict(int)
    for group in sorted({*stored.lines, *fresh}):
        before = sorted(stored.lines.get(group, ()), key=lambda line: line.touchpoint_id)
        after = sorted(fresh.get(group, ()), key=lambda line: line.touchpoint_id)
        if before == after:
            continue
        changes.replaced.append(group)
        changes.inserted.extend(after)
        for lines, sign in ((before, -1), (after, 1)):
            for line in lines:
                for key in total_keys(line):
                    totals[key][0] += sign * line.weight
                    totals[key][1] += sign * line.revenue
            if lines:
                first = lines[0]
                versions[(first.model, first.model_key, first.fit_id, first.channel_set)] += sign
        if [line.payload() for line in before] != [line.payload() for line in after]:
            _emit(changes, before, after, version=stored.credit_versions.get(group[0], 0) + 1)
    changes.totals = {key: (w, r) for key, (w, r) in totals.items() if w or r}
    changes.versions = {key: count for key, count in versions.items() if count}


def _emit(
    changes: Changes, before: Sequence[CreditLine], after: Sequence[CreditLine], *, version: int
) -> None:
    given = {line.touchpoint_id for line in after}
    changes.emitted.extend(Emitted(line, version, retracted=False) for line in after)
    changes.emitted.extend(
        Emitted(line, version, retracted=True) for line in before if line.touchpoint_id not in given
    )


def _outcomes(changes: Changes, stored: Stored, plans: Iterable[PersonPlan]) -> None:
    """Outcomes whose facts changed, or whose credits were emitted again (a new version)."""
    bumped = {emitted.line.outcome_id for emitted in changes.emitted}
    for plan in plans:
        for state in plan.outcomes:
            outcome_id = state.outcome.outcome_id
            version = stored.credit_versions.get(outcome_id, 0) + (outcome_id in bumped)
            if outcome_id in bumped or stored.outcomes.get(outcome_id) != state:
                changes.outcomes.append((state, version))


def _person(changes: Changes, before: StoredPerson | None, plan: PersonPlan) -> None:
    old_contribution = before.contribution if before else {}
    for model_key in sorted({*old_contribution, *plan.contribution}):
        old = old_contribution.get(model_key, {})
        new = plan.contribution.get(model_key, {})
        for item in old.keys() | new.keys():
            was, now = old.get(item, (0, 0)), new.get(item, (0, 0))
            total = changes.counts.get((model_key, item), (0, 0))
            changes.counts[(model_key, item)] = (
                total[0] + now[0] - was[0],
                total[1] + now[1] - was[1],
            )
    old_reach = before.reach if before else frozenset()
    for key in plan.reach - old_reach:
        changes.reach[key] = changes.reach.get(key, 0) + 1
    for key in old_reach - plan.reach:
        changes.reach[key] = changes.reach.get(key, 0) - 1
    if plan.empty:
        if before is not None:
            changes.gone.append(plan.person_id)
    elif (
        before is None
        or before.contribution != plan.contribution
        or before.reach != frozenset(plan.reach)
        or before.null_due != plan.null_due
    ):
        changes.persons.append(plan)
