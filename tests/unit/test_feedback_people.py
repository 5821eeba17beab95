"""Who a response is from: links, provisional persons, absorptions, customer value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.feedback.people import (
    Known,
    Resolver,
    absorption_targets,
    apply_links,
    customer_value,
    is_provisional,
)
from shared.events import IdentityLink


def link(
    identifier: str, person: str, version: int = 1, merged_from: str | None = None
) -> IdentityLink:
    return IdentityLink(
        identifier=identifier, person_id=person, version=version, merged_from=merged_from
    )


def test_the_first_linked_identifier_names_the_person_and_the_others_are_inferred() -> None:
    resolver = Resolver({"device": Known("device", "p1", 3)})
    assert resolver.person_of(("user", "device")) == "p1"
    assert resolver.inferred == {"user": Known("user", "p1", 0)}


def test_unlinked_identifiers_get_one_provisional_person_shared_within_the_batch() -> None:
    resolver = Resolver({})
    first = resolver.person_of(("device",))
    second = resolver.person_of(("user", "device"))
    assert first == second == "unlinked:device"
    assert is_provisional(first)
    assert set(resolver.inferred) == {"device", "user"}


def test_a_linked_identifier_wins_over_an_inferred_one_whatever_the_order() -> None:
    known = {"device": Known("device", "unlinked:device", 0), "user": Known("user", "p1", 2)}
    assert Resolver(known).person_of(("device", "user")) == "p1"


def test_a_response_without_identifiers_is_refused() -> None:
    with pytest.raises(ValueError, match="identifier"):
        Resolver({}).person_of(())


def test_a_link_for_a_provisionally_mapped_identifier_absorbs_the_provisional_person() -> None:
    stored = {"device": Known("device", "unlinked:device", 0)}
    linking = apply_links([link("device", "p1")], stored)
    assert linking.rows == (Known("device", "p1", 1),)
    assert linking.absorbed == {"unlinked:device": "p1"}


def test_older_or_equal_versions_change_nothing_so_redelivery_is_harmless() -> None:
    stored = {"device": Known("device", "p2", 5)}
    linking = apply_links(
        [link("device", "p1", 5, merged_from="p1"), link("device", "p3", 4)], stored
    )
    assert (linking.rows, linking.absorbed) == ((), {})


def test_the_highest_version_of_a_batch_wins_and_each_merge_is_kept() -> None:
    links = [
        link("x", "b", 2, merged_from="a"),
        link("x", "c", 3, merged_from="b"),
        link("x", "c", 1),
    ]
    linking = apply_links(links, {})
    assert linking.rows == (Known("x", "c", 3),)
    assert linking.absorbed == {"a": "c", "b": "c"}


def test_absorption_chains_end_in_the_last_survivor() -> None:
    assert absorption_targets([("a", "b"), ("b", "c"), ("d", "d")]) == {"a": "c", "b": "c"}


def test_a_merge_the_sessionizer_undoes_by_re_keying_moves_everything_back() -> None:
    # Seen on two instances: anon-3 went 5604 → 585c (v2), then back 585c → 5604 (v3), while
    # anon-2 and user-1 went 585c → 5604 (v2); one batch can hold all three moves.
    moves = [("5604", "585c"), ("585c", "5604"), ("585c", "5604")]
    assert absorption_targets(moves) == {"585c": "5604"}
    assert absorption_targets([("a", "b"), ("b", "c"), ("c", "a")]) == {"b": "a", "c": "a"}


def test_customer_value_counts_the_reporting_currency_and_rated_ones_only() -> None:
    revenue = {"USD": Decimal(100), "EUR": Decimal(200), "JPY": Decimal(10000)}
    value = customer_value(revenue, currency="USD", rates={"EUR": Decimal("1.5")})
    assert value.revenue_to_date == Decimal(400)
