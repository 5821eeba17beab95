"""The two HTTP load generators the benchmark can use, both outside the orchestrating process:
``wrk`` (Debian's package; C, one thread per core) and the Python client of ``load.py`` run in
worker processes. Both keep ``connections`` keep-alive connections busy back to back (a closed
loop) and give every event a messageId of its own.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.collector.load import ID_MARK, Figures, body_template

ROOT = Path(__file__).resolve().parents[2]

# wrk runs one Lua state per thread: `setup` gives each its own id prefix, `request` fills the
# template's marks, `done` prints what the benchmark reads back.
WRK_SCRIPT = """
local template = [==[%(template)s]==]
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("prefix", "%(prefix)s-" .. threads)
end
local n = 0
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
%(auth)s
function request()
  local body = template:gsub("%(mark)s", function() n = n + 1; return prefix .. "-" .. n end)
  return wrk.format(nil, nil, nil, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%%d duration_us=%%d p50_us=%%d p99_us=%%d errors=%%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


@dataclass(frozen=True)
class Load:
    """What to send and how hard."""

    url: str
    path: str
    batch: int
    connections: int
    seconds: float
    authorization: str = ""


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(name: str, load: Load, *, threads: int) -> Figures:
    auth = f'wrk.headers["authorization"] = "{load.authorization}"' if load.authorization else ""
    script = WRK_SCRIPT % {
        "template": body_template(load.batch),
        "prefix": f"wrk-{time.time_ns()}",
        "auth": auth,
        "mark": ID_MARK,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as handle:
        handle.write(script)
        handle.flush()
        argv = ["wrk", "-t", str(threads), "-c", str(max(load.connections, threads))]
        argv += ["-d", f"{load.seconds:.0f}s", "--timeout", "30s", "-s", handle.name]
        out = subprocess.run([*argv, load.url + load.path], capture_output=True, text=True)
    found = re.search(
        r"BENCH requests=(\d+) duration_us=(\d+) p50_us=(\d+) p99_us=(\d+) errors=(\d+)",
        out.stdout,
    )
    if out.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed: {out.stdout}{out.stderr}")
    requests, duration_us, p50, p99, errors = map(int, found.groups())
    if errors:
        raise RuntimeError(f"{name}: {errors} failed requests (non-2xx or socket errors)")
    return Figures(
        name, requests * load.batch, duration_us / 1e6, [], p50_s=p50 / 1e6, p99_s=p99 / 1e6
    )


def run_python(name: str, load: Load, *, processes: int) -> Figures:
    """``processes`` load processes sharing ``connections``; their latencies are merged."""
    children = []
    for index in range(processes):
        share = load.connections // processes + (index < load.connections % processes)
        argv = [sys.executable, "-m", "bench.collector.load", load.url, load.path]
        argv += ["--batch", str(load.batch), "--connections", str(share)]
        argv += ["--seconds", str(load.seconds), "--prefix", f"py{time.time_ns()}-{index}"]
        if load.authorization:
            argv += ["--authorization", load.authorization]
        children.append(subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, text=True))
    latencies: list[float] = []
    for child in children:
        out, _ = child.communicate()
        if child.returncode != 0:
            raise RuntimeError(f"{name}: a load process failed")
        latencies += json.loads(out)
    # Each process sends for `seconds` once started (their start-up is not counted).
    return Figures(name, len(latencies) * load.batch, load.seconds, latencies)
