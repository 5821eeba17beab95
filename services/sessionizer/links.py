"""The identity graph of the persons a batch touches, in memory, and the identity links it
publishes. Pure: the batch loads the graph, this applies the batch's events to it one at a time
with ``identity.resolve``, and the batch writes back what changed.

An identifier's link (``IdentityLink``) is published when it is first seen (version 1) and each
time it moves to another person, which only a merge does: the version grows by one and
``merged_from`` names the person it was absorbed from. Versions are kept with the identifier, so
a redelivered event, which changes nothing, publishes nothing, and a later move continues from
the stored version.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.sessionizer.identity import IdentityNode, Resolution, resolve
from shared.events import IdentityLink


@dataclass(frozen=True, slots=True)
class StoredIdentity:
    node: IdentityNode
    version: int


class IdentityGraph:
    def __init__(self, stored: Iterable[StoredIdentity]) -> None:
        self.nodes: dict[str, IdentityNode] = {}
        self.versions: dict[str, int] = {}
        self._members: dict[str, set[str]] = defaultdict(set)
        # Identifiers whose row must be written, in the order they first changed.
        self.changed: dict[str, None] = {}
        # The newest link of each identifier that moved or appeared in this batch.
        self.links: dict[str, IdentityLink] = {}
        for identity in stored:
            node = identity.node
            self.nodes[node.identifier] = node
            self.versions[node.identifier] = identity.version
            self._members[node.person_id].add(node.identifier)

    def component(self, identifiers: Iterable[str]) -> list[IdentityNode]:
        """Every node of every person any of ``identifiers`` belongs to."""
        persons = {self.nodes[i].person_id for i in identifiers if i in self.nodes}
        return [self.nodes[i] for person in sorted(persons) for i in sorted(self._members[person])]

    def link(self, identifiers: Sequence[str], at: datetime) -> Resolution:
        """Joins ``identifiers``, seen together on one event at ``at``."""
        resolution = resolve(self.component(identifiers), identifiers, at)
        for node in resolution.changed:
            self._put(node)
        return resolution

    def _put(self, node: IdentityNode) -> None:
        identifier = node.identifier
        before = self.nodes.get(identifier)
        if before is None or before.person_id != node.person_id:
            version = self.versions.get(identifier, 0) + 1
            self.versions[identifier] = version
            self.links[identifier] = IdentityLink(
                identifier=identifier,
                person_id=node.person_id,
                version=version,
                merged_from=before.person_id if before is not None else None,
            )
        if before is not None:
            self._members[before.person_id].discard(identifier)
        self._members[node.person_id].add(identifier)
        self.nodes[identifier] = node
        self.changed[identifier] = None
