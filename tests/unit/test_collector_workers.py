"""Several collector workers never leave a spool that no worker replays."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.collector.spool import Spool
from services.collector.workers import OrphanedSpool, check_spools, spool_dir


async def _spool_with_frames(path: Path, frames: int) -> None:
    spool = Spool(path, max_bytes=1 << 20, segment_bytes=1 << 20)
    spool.open()
    for _ in range(frames):
        await spool.append(b"frame")
    spool.close()


def test_worker_zero_keeps_the_configured_spool_and_others_get_subdirectories() -> None:
    base = Path("/var/spool/collector")
    assert spool_dir(base, 0) == base
    assert spool_dir(base, 2) == base / "worker-2"


async def test_fewer_workers_than_a_spool_holding_frames_is_refused(tmp_path: Path) -> None:
    await _spool_with_frames(spool_dir(tmp_path, 2), 1)
    check_spools(tmp_path, workers=3)
    with pytest.raises(OrphanedSpool, match="COLLECTOR__WORKERS=3"):
        check_spools(tmp_path, workers=2)


async def test_a_drained_spool_of_a_worker_no_longer_started_is_no_obstacle(
    tmp_path: Path,
) -> None:
    path = spool_dir(tmp_path, 1)
    await _spool_with_frames(path, 2)
    with pytest.raises(OrphanedSpool):
        check_spools(tmp_path, workers=1)
    spool = Spool(path, max_bytes=1 << 20, segment_bytes=1 << 20)
    spool.open()
    spool.commit(spool.read(max_entries=10))  # what the replayer does once Kafka acked them
    assert spool.pending_entries == 0
    spool.close()
    check_spools(tmp_path, workers=1)  # would raise OrphanedSpool if anything were left
