"""The identity graph: which identifiers are one person. Pure functions, no I/O.

Identifiers seen on one event (userId, anonymousId, alias's previousId, hashed email, CRM contact
ids) belong to one person; persons sharing an identifier merge (union-find). A person's id is
derived from its *oldest* identifier: the one first seen at the earliest event time (ties broken
by the identifier), so the oldest person id survives a merge, and the result does not depend on
the order events arrive in.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from shared.ids import stable_id


@dataclass(frozen=True, slots=True)
class IdentityNode:
    identifier: str
    person_id: str
    first_seen_at: datetime


@dataclass(frozen=True, slots=True)
class Resolution:
    person_id: str
    # Nodes whose person or first-seen time changed, or that are new: to be written.
    changed: tuple[IdentityNode, ...]
    # Person ids that no longer exist: their journeys move to ``person_id``.
    absorbed: frozenset[str]


@functools.lru_cache(maxsize=1 << 16)
def person_id_of(identifier: str) -> str:
    return stable_id("person", identifier)


def oldest(nodes: Iterable[IdentityNode]) -> IdentityNode:
    return min(nodes, key=lambda node: (node.first_seen_at, node.identifier))


def resolve(component: Sequence[IdentityNode], seen: Sequence[str], at: datetime) -> Resolution:
    """Joins the identifiers ``seen`` together at event time ``at`` with ``component`` (every
    node of every person any of them already belongs to)."""
    before = {node.identifier: node for node in component}
    nodes = dict(before)
    for identifier in seen:
        known = nodes.get(identifier)
        if known is None:
            nodes[identifier] = IdentityNode(identifier, "", at)
        elif at < known.first_seen_at:
            nodes[identifier] = replace(known, first_seen_at=at)
    person_id = person_id_of(oldest(nodes.values()).identifier)
    changed = []
    for node in nodes.values():
        if node.person_id != person_id:
            node = replace(node, person_id=person_id)
        if before.get(node.identifier) != node:
            changed.append(node)
    absorbed = frozenset(node.person_id for node in component) - {person_id}
    return Resolution(person_id=person_id, changed=tuple(changed), absorbed=absorbed)
