"""The on-disk spool: framing, group commit, recovery after a crash, bounds."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from services.collector.spool import Spool, SpoolFull, encode_frame, read_frames


def _segments(path: Path) -> list[Path]:
    return sorted(path.glob("*.seg"))


def _spool(path: Path, *, max_bytes: int = 1 << 20, segment_bytes: int = 1 << 16) -> Spool:
    spool = Spool(path, max_bytes=max_bytes, segment_bytes=segment_bytes)
    spool.open()
    return spool


async def test_appended_payloads_are_read_back_in_order(tmp_path: Path) -> None:
    spool = _spool(tmp_path)
    for i in range(5):
        await spool.append(f"p{i}".encode())
    entries = spool.read(max_entries=10)
    assert [e.payload for e in entries] == [f"p{i}".encode() for i in range(5)]
    assert spool.pending_entries == 5


async def test_concurrent_appends_share_fsyncs_and_keep_distinct_positions(tmp_path: Path) -> None:
    spool = _spool(tmp_path)
    positions = await asyncio.gather(*(spool.append(b"x" * 10) for _ in range(200)))
    assert len(set(positions)) == 200
    assert [e.payload for e in spool.read(max_entries=500)] == [b"x" * 10] * 200


async def test_commit_moves_the_cursor_and_a_reopened_spool_resumes_after_it(
    tmp_path: Path,
) -> None:
    spool = _spool(tmp_path)
    for i in range(4):
        await spool.append(bytes([i]))
    spool.commit(spool.read(max_entries=2))
    spool.close()
    reopened = _spool(tmp_path)
    assert reopened.pending_entries == 2
    assert [e.payload for e in reopened.read(max_entries=10)] == [b"\x02", b"\x03"]


async def test_unread_entries_survive_a_restart_without_commit(tmp_path: Path) -> None:
    spool = _spool(tmp_path)
    await spool.append(b"kept")
    spool.read(max_entries=1)  # read but never acknowledged by Kafka
    spool.close()
    assert [e.payload for e in _spool(tmp_path).read(max_entries=5)] == [b"kept"]


async def test_a_torn_final_frame_is_skipped_and_the_rest_kept(tmp_path: Path) -> None:
    spool = _spool(tmp_path)
    await spool.append(b"whole")
    await spool.append(b"torn-by-a-crash")
    spool.close()
    [segment] = _segments(tmp_path)
    segment.write_bytes(segment.read_bytes()[:-4])  # the crash cut the last write short
    reopened = _spool(tmp_path)
    assert [e.payload for e in reopened.read(max_entries=5)] == [b"whole"]
    assert reopened.torn_frames == 1
    await reopened.append(b"after")
    assert [e.payload for e in reopened.read(max_entries=5)] == [b"after"]


def test_a_corrupted_frame_is_detected_by_its_checksum() -> None:
    frame = bytearray(encode_frame(b"payload"))
    frame[-1] ^= 0xFF
    entries, bad = read_frames(bytes(frame), start=0, limit=len(frame), segment=1)
    assert (entries, bad) == ([], True)


async def test_segments_rotate_and_finished_ones_are_deleted(tmp_path: Path) -> None:
    spool = _spool(tmp_path, segment_bytes=100)
    for _ in range(10):
        await spool.append(b"y" * 40)
    assert len(_segments(tmp_path)) > 2
    entries = spool.read(max_entries=100)
    assert len(entries) == 10
    spool.commit(entries)
    assert len(_segments(tmp_path)) == 1  # only the segment being written remains
    assert (spool.pending_entries, spool.pending_bytes) == (0, 0)


async def test_a_full_spool_refuses_more(tmp_path: Path) -> None:
    spool = _spool(tmp_path, max_bytes=100)
    await spool.append(b"z" * 50)
    with pytest.raises(SpoolFull) as caught:
        await spool.append(b"z" * 50)
    assert caught.value.dependency == "spool"
    spool.commit(spool.read(max_entries=5))
    await spool.append(b"z" * 50)  # room again once delivered
    assert spool.pending_entries == 1


async def test_rewind_reads_undelivered_entries_again(tmp_path: Path) -> None:
    spool = _spool(tmp_path)
    await spool.append(b"a")
    first = spool.read(max_entries=5)
    spool.rewind(first[0].start)
    assert [e.payload for e in spool.read(max_entries=5)] == [b"a"]
