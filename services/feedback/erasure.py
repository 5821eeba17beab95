"""Whom an erasure takes from feedback. Pure.

A PersonErased names the sessionizer's person and every identifier it had. Feedback may know
more of them: a provisional person ``unlinked:<identifier>`` made for an answer that came
before the identifier's link, an identifier mapped to a person id the sessionizer has since
merged away. The scope starts from what the announcement names and takes in every mapping of
one of its identifiers or to one of its persons, until nothing new comes in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.feedback.people import provisional_person


@dataclass(frozen=True, slots=True)
class ErasureScope:
    persons: frozenset[str]
    identifiers: frozenset[str]

    @classmethod
    def start(cls, person_id: str, identifiers: Iterable[str]) -> ErasureScope:
        found = frozenset(identifiers)
        return cls(frozenset({person_id, *map(provisional_person, found)}), found)

    def widened(self, mappings: Iterable[tuple[str, str]]) -> ErasureScope:
        """With every (identifier, person) mapping that names one of the identifiers or one
        of the persons (and the provisional person of each identifier)."""
        persons, identifiers = set(self.persons), set(self.identifiers)
        for identifier, person in mappings:
            if identifier in identifiers or person in persons:
                persons.add(person)
                identifiers.add(identifier)
        persons.update(map(provisional_person, identifiers))
        return ErasureScope(frozenset(persons), frozenset(identifiers))
