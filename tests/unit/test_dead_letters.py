"""Dead letters as data (shared/dlq) and the dead-letter limit (shared/deadletters.py). Pure."""

from __future__ import annotations

import pytest

from shared.broker import Record
from shared.deadletters import DeadLetterLimit, DeadLetterLimitExceeded
from shared.dlq import Selection, read, summarise, to_replay


def letter(offset: int, reason: str, *, code: str = "schema", origin: str | None = "raw") -> Record:
    headers: list[tuple[str, bytes]] = [("reason", reason.encode()), ("code", code.encode())]
    if origin is not None:
        headers += [
            ("origin-topic", origin.encode()),
            ("origin-partition", b"2"),
            ("origin-offset", str(100 + offset).encode()),
            ("service", b"sessionizer"),
        ]
    else:
        headers += [("origin", b"collector"), ("source-id", b"src")]
    return Record("dl", 0, offset, b"k", b"{}", headers=tuple(headers))


def test_a_consumer_dead_letter_knows_where_it_came_from_and_an_edge_one_does_not() -> None:
    consumer, edge = read(letter(0, "bad")), read(letter(1, "bad", origin=None))
    assert (consumer.service, consumer.origin_topic, consumer.origin_offset) == (
        "sessionizer",
        "raw",
        100,
    )
    assert consumer.position == "dl:0:0"
    assert consumer.replayable
    assert not edge.replayable
    assert edge.service == "collector"


def test_the_summary_counts_by_service_topic_code_and_reason_largest_first() -> None:
    letters = [
        read(letter(i, r, code=c))
        for i, (r, c) in enumerate(
            [
                ("NUL in userId", "sql_22021"),
                ("NUL in userId", "sql_22021"),
                ("no userId", "schema"),
            ]
        )
    ]
    groups = summarise(letters)
    assert [(g.count, g.code, g.reason) for g in groups] == [
        (2, "sql_22021", "NUL in userId"),
        (1, "schema", "no userId"),
    ]


def test_a_replay_takes_the_selection_once_and_never_what_the_edge_refused() -> None:
    letters = [
        read(letter(0, "NUL in userId", code="sql_22021")),
        read(letter(1, "schema drift", code="schema")),
        read(letter(2, "NUL in name", code="sql_22021")),
        read(letter(3, "NUL in id", code="sql_22021", origin=None)),
    ]
    fresh, before, edge = to_replay(letters, Selection(code="sql_22021"), replayed={"dl:0:0"})
    assert [d.position for d in fresh] == ["dl:0:2"]
    assert (before, edge) == (1, 1)
    fresh, _, _ = to_replay(letters, Selection(reason="DRIFT"), replayed=set())
    assert [d.position for d in fresh] == ["dl:0:1"]


def test_the_limit_counts_dead_letters_over_a_sliding_window_of_records() -> None:
    limit = DeadLetterLimit(max_dead_letters=2, window_records=10)
    limit.check(records=5, dead=2)
    limit.admit(records=5, dead=2)
    with pytest.raises(DeadLetterLimitExceeded, match="3 dead letters among the last 10"):
        limit.check(records=5, dead=1)
    limit.admit(records=5, dead=0)
    limit.admit(records=5, dead=0)  # the batch with two dead letters left the window
    limit.check(records=5, dead=2)


def test_a_check_that_fails_admits_nothing() -> None:
    limit = DeadLetterLimit(max_dead_letters=0, window_records=100)
    with pytest.raises(DeadLetterLimitExceeded):
        limit.check(records=1, dead=1)
    limit.check(records=1, dead=0)
