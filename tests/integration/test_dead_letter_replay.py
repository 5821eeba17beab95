"""``python -m shared.dlq`` on the real broker and database: list, replay once, skip the edge."""

from __future__ import annotations

import pytest

from shared.broker import Record
from shared.deadletters import Rejection, dead_letter_of
from shared.dlq.__main__ import main
from shared.producer import EventProducer, dead_letter
from shared.settings import KafkaSettings, TopicSettings
from tests import infra


async def test_replay_sends_a_selection_back_once_and_never_what_the_edge_refused(
    topics: TopicSettings,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TOPICS__DEAD_LETTER", topics.dead_letter)
    monkeypatch.setenv("DATABASE__URL", database_url)
    monkeypatch.setenv("KAFKA__BOOTSTRAP_SERVERS", infra.BOOTSTRAP)
    originals = [
        Record(topics.raw_events, 1, 7, b"k1", b'{"userId":"u\\u0000"}'),
        Record(topics.raw_events, 1, 8, b"k1", b'{"userId":"ok"}'),
        Record(topics.raw_events, 2, 9, b"k2", b"not json"),
    ]
    codes = ["sql_22021", "sql_22021", "schema"]
    letters = [
        dead_letter_of(
            Rejection(record, f"reason {code}", code),
            topic=topics.dead_letter,
            service="sessionizer",
            group="g",
        )
        for record, code in zip(originals, codes, strict=True)
    ]
    edge = dead_letter(
        topic=topics.dead_letter,
        key="src",
        reason="batch[0]: userId or anonymousId is required",
        payload=b"{}",
        origin=(("origin", "collector"), ("source-id", "src")),
    )
    producer = EventProducer(KafkaSettings(bootstrap_servers=infra.BOOTSTRAP), client_id="t")
    await producer.start()
    await producer.send_all([*letters, edge])
    await producer.stop()

    assert await main(["list"]) == 0
    listed = capsys.readouterr().out
    assert "4 dead letters" in listed
    assert f"2\tsessionizer\t{topics.raw_events}\tsql_22021\treason sql_22021" in listed

    assert await main(["replay", "--code", "sql_22021"]) == 0
    back = await infra.read_topic(topics.raw_events, expect=2, settle_s=1.0)
    assert sorted(r.value or b"" for r in back) == sorted(r.value or b"" for r in originals[:2])
    assert {dict(r.headers)["replayed-from"].decode().split(":")[0] for r in back} == {
        topics.dead_letter
    }

    capsys.readouterr()
    assert await main(["replay"]) == 0  # everything: the two replayed before are skipped
    again = capsys.readouterr()
    assert "replayed 1 (skipped 2 replayed before)" in again.err
    assert "1 selected dead letters were refused by the collector" in again.err
    back = await infra.read_topic(topics.raw_events, expect=3, settle_s=1.0)
    assert sorted(r.value or b"" for r in back) == sorted(r.value or b"" for r in originals)
