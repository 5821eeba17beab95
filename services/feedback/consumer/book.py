"""The cases a batch works on: loaded once, changed in memory command by command, written once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from services.feedback.case import Case, Change
from services.feedback.intake import merge_persons, transfer
from services.feedback.wire import case_event_records
from shared.events import CaseEventRecord


@dataclass
class CaseBook:
    cases: dict[str, Case] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    _of_person: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def of(cls, cases: Iterable[Case]) -> CaseBook:
        book = cls()
        for case in cases:
            book._place(case)
        return book

    def last_of(self, person_id: str) -> Case | None:
        """The person's active case, else their most recently resolved one."""
        cases = [self.cases[case_id] for case_id in self._of_person.get(person_id, ())]
        active = [case for case in cases if case.active]
        if active:
            return active[0]
        return max(cases, key=_resolved_at, default=None)

    def apply(self, change: Change | None) -> None:
        if change is None or not change.changed:
            return
        before = self.cases.get(change.case.case_id)
        if before is not None:
            self._of_person[before.person_id].discard(before.case_id)
        self._place(change.case)
        self.changes.append(change)

    def _place(self, case: Case) -> None:
        self.cases[case.case_id] = case
        if case.status != "merged":
            self._of_person[case.person_id].add(case.case_id)

    def absorb(self, absorbed: str, survivor: str, *, at: datetime) -> None:
        """Person ``absorbed`` is ``survivor`` now: their latest cases merge (or the absorbed
        one moves), and every other case of the absorbed person moves too."""
        for change in merge_persons(
            self.last_of(survivor), self.last_of(absorbed), person_id=survivor, at=at
        ):
            self.apply(change)
        for case_id in sorted(self._of_person.get(absorbed, set())):
            self.apply(transfer(self.cases[case_id], person_id=survivor, at=at))

    def changed(self) -> list[Case]:
        """The final state of every case that changed, in case_id order."""
        ids = sorted({change.case.case_id for change in self.changes})
        return [self.cases[case_id] for case_id in ids]

    def records(self) -> Sequence[CaseEventRecord]:
        return case_event_records(self.changes)


def _resolved_at(case: Case) -> datetime:
    return case.resolution.at if case.resolution else case.updated_at
