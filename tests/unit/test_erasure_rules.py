"""Which rows an erasure takes, and what it announces and records: the pure parts of the
sessionizer's, feedback's and every service's erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.feedback.consumer.decoding import IdentityForgotten, identity_tombstone
from services.feedback.consumer.identities import after_tombstones
from services.feedback.erasure import ErasureScope
from services.sessionizer.erasure import announcements, plan_erasure
from services.sessionizer.identity import person_id_of
from shared.errors import BadRecord
from shared.events import ErasureRequest, IdentityLink, PersonErased
from shared.privacy import Erased, Pending, checked_identifiers, merged
from shared.privacy.intake import privacy_decoder

AT = datetime(2026, 3, 1, tzinfo=UTC)
GRAPH = [("a-1", "P"), ("u-1", "P"), ("email:h", "P"), ("a-2", "Q")]


def test_an_identifier_takes_its_whole_person_and_only_that_person() -> None:
    plan = plan_erasure(["u-1"], [row for row in GRAPH if row[1] == "P"])
    assert plan.persons == {"P": ("a-1", "email:h", "u-1")}
    assert (plan.unknown, plan.person_ids) == ((), ["P"])


def test_a_person_id_names_its_person_like_an_identifier_does() -> None:
    plan = plan_erasure(["P"], [row for row in GRAPH if row[1] == "P"])
    assert list(plan.persons) == ["P"]
    assert plan.unknown == ()


def test_identifiers_of_two_persons_take_both_and_the_persons_merged_into_them() -> None:
    plan = plan_erasure(["a-1", "a-2"], GRAPH, absorbed={"P", "Q", "OLD"})
    assert list(plan.persons) == ["P", "Q"]
    assert plan.absorbed == frozenset({"OLD"})
    assert plan.person_ids == ["OLD", "P", "Q"]


def test_an_identifier_no_person_has_is_announced_as_the_person_it_would_be() -> None:
    plan = plan_erasure(["u-1", "never-linked"], [row for row in GRAPH if row[1] == "P"])
    assert plan.unknown == ("never-linked",)
    records = announcements(
        plan, request_id="r-1", at=AT, privacy_topic="privacy", identities_topic="ids"
    )
    erased = [PersonErased.model_validate_json(r.value) for r in records if r.topic == "privacy"]
    assert [(e.person_id, e.identifiers) for e in erased] == [
        ("P", ("a-1", "email:h", "u-1")),
        (person_id_of("never-linked"), ("never-linked",)),
    ]
    assert {r.key for r in records if r.topic == "privacy"} == {"r-1"}


def test_every_erased_identifier_gets_a_tombstone_keyed_by_itself() -> None:
    plan = plan_erasure(["u-1", "never-linked"], [row for row in GRAPH if row[1] == "P"])
    records = announcements(
        plan, request_id="r-1", at=AT, privacy_topic="privacy", identities_topic="ids"
    )
    tombstones = [r for r in records if r.topic == "ids"]
    assert [(r.key, r.tombstone, r.value) for r in tombstones] == [
        ("a-1", True, b""),
        ("email:h", True, b""),
        ("u-1", True, b""),
    ]


def test_feedback_takes_the_provisional_persons_and_every_mapping_of_the_persons() -> None:
    scope = ErasureScope.start("P", ["u-1", "email:h"])
    assert scope.persons == {"P", "unlinked:u-1", "unlinked:email:h"}
    wider = scope.widened([("u-1", "P"), ("a-9", "P"), ("z-1", "unlinked:z-1"), ("x", "Q")])
    assert wider.identifiers == {"u-1", "email:h", "a-9"}
    assert wider.persons == {"P", "unlinked:u-1", "unlinked:email:h", "unlinked:a-9"}
    assert wider.widened([("u-1", "P"), ("a-9", "P")]) == wider


def test_feedback_follows_an_identifier_to_a_person_the_sessionizer_merged_away() -> None:
    scope = ErasureScope.start("P", ["u-1"]).widened([("u-1", "OLD"), ("a-1", "OLD")])
    assert {"OLD", "unlinked:a-1"} <= scope.persons
    assert scope.identifiers == {"u-1", "a-1"}


def test_a_link_after_its_identifiers_tombstone_starts_the_identifier_over() -> None:
    old = IdentityLink(identifier="u-1", person_id="P", version=3)
    new = IdentityLink(identifier="u-1", person_id="P", version=1)
    other = IdentityLink(identifier="a-2", person_id="Q", version=1)
    forgotten, links = after_tombstones([old, other, IdentityForgotten("u-1"), new])
    assert forgotten == ["u-1"]
    assert links == [other, new]


def test_a_tombstone_without_a_key_names_nothing_and_is_refused() -> None:
    assert identity_tombstone(b"email:h") == IdentityForgotten("email:h")
    with pytest.raises(BadRecord, match="without a key"):
        identity_tombstone(None)


def test_the_privacy_topic_decodes_both_kinds_and_refuses_anything_else() -> None:
    decode = privacy_decoder()
    request = ErasureRequest(request_id="r", identifiers=("u-1",), requested_at=AT)
    erased = PersonErased(request_id="r", person_id="P", identifiers=("u-1",), erased_at=AT)
    assert decode(request.to_bytes()) == request
    assert decode(erased.to_bytes()) == erased
    with pytest.raises(BadRecord, match="kind"):
        decode(b'{"kind": "person_restored", "requestId": "r"}')


def pending(position: str, *, at: datetime = AT) -> Pending:
    return Pending(position, "r-1", "P", ("u-1",), at)


def test_a_requests_record_adds_up_its_persons_and_keeps_tables_with_nothing_erased() -> None:
    first = merged(None, pending("t:0:1"), Erased(rows={"cases": 1, "responses": 0}), at=AT)
    assert (first.persons, first.rows, first.positions) == (
        1,
        {"cases": 1, "responses": 0},
        ("t:0:1",),
    )
    later = AT + timedelta(seconds=5)
    second = merged(
        first, pending("t:0:2", at=AT - timedelta(seconds=1)), Erased(rows={"cases": 2}), at=later
    )
    assert (second.persons, second.rows) == (2, {"cases": 3, "responses": 0})
    assert second.positions == ("t:0:1", "t:0:2")
    assert (second.received_at, second.erased_at) == (AT - timedelta(seconds=1), later)
    assert "u-1" not in repr(second)  # a record holds no identifier, nor a person id


@pytest.mark.parametrize(
    ("identifiers", "problem"),
    [
        ([], "1 to 100"),
        (["u"] * 101, "1 to 100"),
        ([""], "is not one"),
        (["a\x00b"], "without NUL"),
        (["\ud800"], "UTF-8"),
        (["x" * 513], "1 to 512"),
    ],
)
def test_identifiers_that_cannot_name_anyone_are_refused_saying_why(
    identifiers: list[str], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        checked_identifiers(identifiers)


def test_identifiers_are_taken_once_each_in_their_order() -> None:
    assert checked_identifiers(["u-1", "a-1", "u-1"]) == ["u-1", "a-1"]


def test_links_keep_the_order_they_came_in_across_identifiers() -> None:
    first = IdentityLink(identifier="u-1", person_id="P", version=1)
    second = IdentityLink(identifier="a-2", person_id="P", version=1)
    third = IdentityLink(identifier="u-1", person_id="Q", version=2, merged_from="P")
    assert after_tombstones([first, second, third]) == ([], [first, second, third])
