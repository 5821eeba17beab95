"""``python -m bench.demo``: send the demo stream (bench/demo/stream.py) through a running
collector in batches, with progress, then say what it made of it (`make demo` does this against
the collector of `make up`)."""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from bench.demo.stream import demo_stream


@dataclass
class Tally:
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)

    def add(self, batch: Sequence[dict[str, Any]], answer: dict[str, Any]) -> None:
        self.sent += len(batch)
        self.accepted += int(answer.get("accepted", 0))
        self.duplicates += int(answer.get("duplicates", 0))
        # The same refusal of batch[3] and of batch[12] is one line of the summary.
        reasons = (str(r.get("reason", "?")) for r in answer.get("rejected", []))
        self.rejected.update(re.sub(r"^batch\[\d+\]\.", "", reason) for reason in reasons)
        self.kinds.update(m.get("event") or m["type"] for m in batch)


def send(
    client: httpx.Client,
    stream: Sequence[dict[str, Any]],
    *,
    batch_size: int,
    seconds: float = 0.0,
    quiet: bool = False,
) -> Tally:
    """Posts the stream to /v1/batch, spread over ``seconds`` (a steady rate for the graphs);
    a refused batch (4xx/5xx) stops with its answer."""
    tally = Tally()
    starts = range(0, len(stream), batch_size)
    pause = seconds / max(len(starts) - 1, 1)
    for n, start in enumerate(starts):
        if n and pause:
            time.sleep(pause)
        batch = stream[start : start + batch_size]
        response = client.post("/v1/batch", json={"batch": batch})
        if response.status_code != 200:
            raise SystemExit(f"the collector answered {response.status_code}: {response.text}")
        tally.add(batch, response.json())
        if not quiet:
            print(f"  sent {tally.sent}/{len(stream)}", end="\r", flush=True)
    return tally


def report(tally: Tally, *, seconds: float) -> str:
    lines = [
        f"sent {tally.sent} events in {seconds:.1f} s: {tally.accepted} accepted, "
        f"{sum(tally.rejected.values())} refused (kept in the dead-letter topic), "
        f"{tally.duplicates} duplicates",
        "  by event: " + ", ".join(f"{kind} {n}" for kind, n in tally.kinds.most_common()),
    ]
    lines += [f"  refused ({n}): {reason}" for reason, n in tally.rejected.most_common()]
    return "\n".join(lines)


DEMO_RATE = "1.08"  # US dollars for one euro, about what the ECB published in 2025


def import_rate(attribution: httpx.Client, token: str, *, today: date) -> str:
    """A demo exchange rate into the attribution service (the demo's orders are in EUR; reports
    are in the reporting currency, USD by default, and leave out what they cannot convert)."""
    since = today - timedelta(days=1)  # the demo's visits may have begun yesterday
    answer = attribution.post(
        "/v1/attribution/rates",
        content=f"date,currency,rate\n{since},USD,{DEMO_RATE}\n",
        headers={"content-type": "text/csv", "authorization": f"Bearer {token}"},
    )
    if answer.status_code != 200:
        return f"the demo rate was refused ({answer.status_code}): {answer.text}"
    return f"imported a demo rate, 1 EUR = {DEMO_RATE} USD from {since}, for the reports in USD"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.demo", description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the collector")
    parser.add_argument("--write-key", default="demo-write-key", help="a source's write key")
    parser.add_argument("--visitors", type=int, default=150)
    parser.add_argument(
        "--broken",
        type=int,
        default=60,
        help="events of a buggy sender among them (0.2/s of dead letters over 5 minutes)",
    )
    parser.add_argument("--batch", type=int, default=25, help="events per /v1/batch call")
    parser.add_argument("--seconds", type=float, default=20, help="spread the sending over this")
    parser.add_argument("--seed", type=int, default=None, help="the same seed, the same stream")
    parser.add_argument(
        "--attribution-url", default=None, help="with --token: import a demo EUR→USD rate there"
    )
    parser.add_argument("--token", default=None, help="an API token with reports:write")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    # A new seed each run by default: the collector drops messageIds it has seen recently.
    seed = args.seed if args.seed is not None else time.time_ns()
    stream = demo_stream(args.visitors, seed=seed, now=datetime.now(UTC), broken=args.broken)
    print(
        f"demo: {args.visitors} visitors and a buggy sender, {len(stream)} events to {args.url} "
        f"(seed {seed})"
    )
    started = time.perf_counter()
    try:
        with httpx.Client(base_url=args.url, auth=(args.write_key, ""), timeout=30) as client:
            tally = send(client, stream, batch_size=args.batch, seconds=args.seconds)
    except httpx.TransportError as exc:
        print(f"\ncannot reach the collector at {args.url} ({exc}); is `make up` running?")
        return 1
    print(report(tally, seconds=time.perf_counter() - started))
    if args.attribution_url and args.token:
        try:
            with httpx.Client(base_url=args.attribution_url, timeout=30) as attribution:
                print(import_rate(attribution, args.token, today=datetime.now(UTC).date()))
        except httpx.TransportError as exc:
            print(f"cannot reach attribution at {args.attribution_url} ({exc})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
