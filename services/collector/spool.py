"""A bounded, append-only spool on local disk: where acknowledged events wait while Kafka cannot
take them.

Layout: numbered segment files ``<n>.seg`` holding frames ``magic | length | crc32 | payload``, and
a ``cursor`` file naming the first frame not yet delivered. Appends from concurrent requests are
written together and made durable by one ``fsync`` (group commit), so a request is answered only
after its frame is on disk while throughput does not collapse to one fsync per request. The reader
never looks past what was fsynced. The cursor only moves, and segments are only deleted, once the
caller says their frames reached Kafka. A process killed mid-write leaves a torn last frame in the
segment it was writing; on restart that segment is sealed and reading stops at the tear.
"""

from __future__ import annotations

import asyncio
import logging
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from shared.errors import DependencyDown

log = logging.getLogger(__name__)

MAGIC = b"BSP1"
HEADER = struct.Struct(">4sII")  # magic, payload length, crc32 of length + payload
CURSOR_FILE = "cursor"
READ_CHUNK = 1 << 20


class SpoolFull(DependencyDown):
    def __init__(self, limit: int) -> None:
        super().__init__("spool", f"the local spool holds its limit of {limit} bytes")


@dataclass(frozen=True, order=True, slots=True)
class Position:
    segment: int
    offset: int


@dataclass(frozen=True, slots=True)
class Entry:
    start: Position
    end: Position
    payload: bytes


def encode_frame(payload: bytes) -> bytes:
    length = struct.pack(">I", len(payload))
    return HEADER.pack(MAGIC, len(payload), zlib.crc32(length + payload)) + payload


def read_frames(data: bytes, *, start: int, limit: int, segment: int) -> tuple[list[Entry], bool]:
    """Frames of ``data[start:limit]``; the flag is True when reading stopped at a bad frame."""
    entries: list[Entry] = []
    offset = start
    while offset < limit:
        if limit - offset < HEADER.size:
            return entries, True
        magic, length, crc = HEADER.unpack_from(data, offset)
        end = offset + HEADER.size + length
        payload = data[offset + HEADER.size : end]
        if magic != MAGIC or end > limit or zlib.crc32(struct.pack(">I", length) + payload) != crc:
            return entries, True
        entries.append(Entry(Position(segment, offset), Position(segment, end), payload))
        offset = end
    return entries, False


def _fsync_dir(directory: Path) -> None:
    # A new or renamed file survives a crash only once its directory entry is on disk too.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Spool:
    def __init__(self, directory: Path, *, max_bytes: int, segment_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.segment_bytes = segment_bytes
        self.pending_entries = 0  # durable frames not yet delivered
        self.pending_bytes = 0
        self.torn_frames = 0
        self._sealed: dict[int, int] = {}  # segment -> readable length, for closed segments
        self._active = 0
        self._active_file: int | None = None
        self._durable = Position(0, 0)  # end of what is fsynced in the active segment
        self._read = Position(0, 0)
        self._queue: list[tuple[bytes, asyncio.Future[Position]]] = []
        self._queued_bytes = 0
        self._flusher: asyncio.Task[None] | None = None
        self.data_ready = asyncio.Event()

    # -- opening and closing -------------------------------------------------------------------

    def open(self) -> None:
        """Recover what a previous process left, then start a fresh segment for new appends."""
        self.directory.mkdir(parents=True, exist_ok=True)
        cursor = self._load_cursor()
        for segment in sorted(int(p.stem) for p in self.directory.glob("*.seg")):
            if segment < cursor.segment:
                (self.directory / f"{segment}.seg").unlink()
                continue
            self._recover_segment(segment, start=cursor.offset if segment == cursor.segment else 0)
        self._read = cursor if cursor.segment in self._sealed else self._first_sealed(cursor)
        self._active = max([*self._sealed, cursor.segment]) + 1
        self._open_active()
        if self.pending_entries:
            self.data_ready.set()
            log.info("spool recovered", extra={"entries": self.pending_entries})

    def _recover_segment(self, segment: int, *, start: int) -> None:
        data = (self.directory / f"{segment}.seg").read_bytes()
        entries, torn = read_frames(data, start=start, limit=len(data), segment=segment)
        if torn:
            self.torn_frames += 1
            log.warning("spool segment ends in a torn frame", extra={"segment": segment})
        self._sealed[segment] = entries[-1].end.offset if entries else start
        self.pending_entries += len(entries)
        self.pending_bytes += sum(e.end.offset - e.start.offset for e in entries)

    def _first_sealed(self, cursor: Position) -> Position:
        later = [s for s in self._sealed if s >= cursor.segment]
        return Position(min(later), 0) if later else Position(cursor.segment + 1, 0)

    def _create_segment(self, segment: int) -> int:
        path = self.directory / f"{segment}.seg"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        _fsync_dir(self.directory)
        return fd

    def _open_active(self) -> None:
        self._active_file = self._create_segment(self._active)
        self._durable = Position(self._active, 0)
        if not self._sealed:
            self._read = self._durable

    def close(self) -> None:
        if self._active_file is not None:
            os.close(self._active_file)
            self._active_file = None

    # -- appending: group commit ---------------------------------------------------------------

    async def append(self, payload: bytes) -> Position:
        """Returns once the payload is fsynced; raises SpoolFull when over ``max_bytes``."""
        frame = encode_frame(payload)
        if self.pending_bytes + self._queued_bytes + len(frame) > self.max_bytes:
            raise SpoolFull(self.max_bytes)
        future: asyncio.Future[Position] = asyncio.get_running_loop().create_future()
        self._queue.append((frame, future))
        self._queued_bytes += len(frame)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="spool-flush")
        return await future

    @property
    def busy(self) -> bool:
        """Frames are waiting or being written: later events must queue behind them."""
        return bool(self.pending_entries or self._queue)

    async def _flush(self) -> None:
        # Everything queued while the previous fsync ran goes into the next one.
        while self._queue:
            batch, self._queue = self._queue, []
            frames = [frame for frame, _ in batch]
            size = sum(map(len, frames))
            try:
                if self._durable.offset >= self.segment_bytes:
                    await self._rotate()
                await asyncio.to_thread(self._write, b"".join(frames))
            except OSError as exc:
                self._queued_bytes -= size
                for _, future in batch:
                    future.set_exception(DependencyDown("spool", repr(exc)))
                continue
            starts, offset = [], self._durable.offset
            for frame in frames:
                starts.append(Position(self._active, offset))
                offset += len(frame)
            # State changes happen on the event loop only, so the reader never sees half of one.
            self._durable = Position(self._active, offset)
            self._queued_bytes -= size
            self.pending_entries += len(frames)
            self.pending_bytes += size
            for (_, future), start in zip(batch, starts, strict=True):
                if not future.done():
                    future.set_result(start)
            self.data_ready.set()

    def _write(self, data: bytes) -> None:
        assert self._active_file is not None
        os.write(self._active_file, data)
        os.fsync(self._active_file)

    async def _rotate(self) -> None:
        old = self._active_file
        assert old is not None
        self._sealed[self._active] = self._durable.offset
        self._active += 1
        self._active_file = await asyncio.to_thread(self._create_segment, self._active)
        self._durable = Position(self._active, 0)
        await asyncio.to_thread(os.close, old)

    # -- reading and committing ----------------------------------------------------------------

    def read(self, *, max_entries: int) -> list[Entry]:
        """Up to ``max_entries`` durable frames after the last read, in append order."""
        entries: list[Entry] = []
        while len(entries) < max_entries and self._read < self._durable:
            segment = self._read.segment
            limit = self._sealed.get(segment, self._durable.offset)
            if segment != self._active and self._read.offset >= limit:
                self._read = Position(segment + 1, 0)
                continue
            found = self._read_chunk(segment, self._read.offset, limit)
            found = found[: max_entries - len(entries)]
            entries.extend(found)
            self._read = found[-1].end if found else Position(segment, limit)
            if segment == self._active:
                break
        if not entries:
            self.data_ready.clear()
        return entries

    def _read_chunk(self, segment: int, offset: int, limit: int) -> list[Entry]:
        with open(self.directory / f"{segment}.seg", "rb") as handle:
            handle.seek(offset)
            size = min(limit - offset, READ_CHUNK)
            data = handle.read(size)
            if len(data) >= HEADER.size:  # a frame larger than a chunk is read whole
                size = max(size, HEADER.size + HEADER.unpack_from(data)[1])
                data += handle.read(size - len(data))
        found, _ = read_frames(data, start=0, limit=len(data), segment=segment)
        return [
            Entry(
                Position(segment, e.start.offset + offset),
                Position(segment, e.end.offset + offset),
                e.payload,
            )
            for e in found
        ]

    def rewind(self, to: Position) -> None:
        """Read again from ``to`` (entries read but not delivered)."""
        self._read = min(self._read, to)

    def commit(self, entries: list[Entry]) -> None:
        """``entries`` reached Kafka: move the cursor past them and drop finished segments."""
        if not entries:
            return
        end = entries[-1].end
        self._save_cursor(end)
        self.pending_entries -= len(entries)
        self.pending_bytes -= sum(e.end.offset - e.start.offset for e in entries)
        for segment in [
            s
            for s in self._sealed
            if s < end.segment or (s == end.segment and end.offset >= self._sealed[s])
        ]:
            (self.directory / f"{segment}.seg").unlink(missing_ok=True)
            del self._sealed[segment]

    def _save_cursor(self, position: Position) -> None:
        tmp = self.directory / f"{CURSOR_FILE}.tmp"
        with open(tmp, "w") as handle:
            handle.write(f"{position.segment} {position.offset}\n")
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(self.directory / CURSOR_FILE)
        _fsync_dir(self.directory)

    def _load_cursor(self) -> Position:
        path = self.directory / CURSOR_FILE
        if not path.exists():
            return Position(0, 0)
        segment, offset = path.read_text().split()
        return Position(int(segment), int(offset))
