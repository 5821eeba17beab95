"""The peer baseline: a quixstreams session-window job over the same raw topic.

Sessions per message key (the actor id, as the collector keys events) in event time: 30 minutes
of inactivity close a session, 10 minutes of grace for late events; RocksDB state with its
changelog topics, as quixstreams runs by default. Each closed session (its start, end and event
count) is written to an output topic, so the job pays for its output as the sessionizer does.

It runs in a virtualenv of its own (quixstreams pins pydantic below the project's), started by
``bench.pipeline.peer`` as a script, so it imports nothing of Boucle. Progress is read like any
consumer's: its group's committed offsets (``commit_interval`` 1 s instead of the default 5 s, so
the benchmark sees progress often enough to time it).
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from typing import Any

from quixstreams import Application
from quixstreams.dataframe.windows import aggregations


def event_time(value: Any, _headers: Any, _timestamp: int, _type: Any) -> int:
    """Milliseconds of the event's ``timestamp`` (the collector's corrected event time)."""
    return int(datetime.fromisoformat(value["timestamp"]).timestamp() * 1000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--broker", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--state-dir", required=True)
    args = parser.parse_args()
    app = Application(
        broker_address=args.broker,
        consumer_group=args.group,
        auto_offset_reset="earliest",
        commit_interval=1.0,
        state_dir=args.state_dir,
        loglevel="WARNING",
    )
    events = app.topic(args.topic, value_deserializer="json", timestamp_extractor=event_time)
    sessions = app.topic(args.output, value_serializer="json")
    window = app.dataframe(events).session_window(
        inactivity_gap_ms=timedelta(minutes=30), grace_ms=timedelta(minutes=10)
    )
    window.agg(events=aggregations.Count()).final().to_topic(sessions)
    app.run()


if __name__ == "__main__":
    main()
