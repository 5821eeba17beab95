"""The quixstreams peer: its virtualenv, and one run of its session job over the backlog.

quixstreams is not a dependency of the project: it requires pydantic < 2.14 and
pydantic-settings < 2.16, and uv's single resolution would downgrade the services' own pydantic
to fit it. So the benchmark keeps it in a throwaway virtualenv under the cache directory
(``$BOUCLE_CACHE_DIR/bench-peers``, beside uv and the Kafka jars), installed with uv from
``peer-requirements.txt`` (every version and hash pinned) on first use.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.pipeline import stack
from bench.pipeline.context import Bench
from bench.pipeline.drain import DrainResult, watch_progress

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "peer-requirements.txt"
CACHE = Path(os.environ.get("BOUCLE_CACHE_DIR", Path.home() / ".cache" / "boucle"))
NAME = "quixstreams 3.28 session windows"


def uv_binary() -> Path:
    version = next(
        line.split("==")[1].split()[0]
        for line in (HERE.parents[1] / "deploy" / "uv-requirements.txt").read_text().splitlines()
        if line.startswith("uv==")
    )
    return CACHE / f"uv-{version}" / "bin" / "uv"


def peer_python() -> Path:
    """The peer virtualenv's interpreter, installed if missing (a few seconds with uv)."""
    home = CACHE / "bench-peers" / "quixstreams-3.28.1"
    python = home / "bin" / "python"
    marker = home / ".installed"
    if marker.exists() and marker.read_text() == REQUIREMENTS.read_text():
        return python
    uv = uv_binary()
    if not uv.exists():
        raise RuntimeError(f"{uv} is missing: `make venv` installs it")
    shutil.rmtree(home, ignore_errors=True)
    venv = [str(uv), "venv", str(home), "--python", sys.executable, "-q"]
    subprocess.run(venv, check=True, capture_output=True)
    install = [str(uv), "pip", "install", "--python", str(python), "--require-hashes", "-q"]
    subprocess.run([*install, "-r", str(REQUIREMENTS)], check=True, capture_output=True)
    marker.write_text(REQUIREMENTS.read_text())
    return python


async def drain_peer(bench: Bench, *, timeout_s: float) -> DrainResult:
    python = await asyncio.to_thread(peer_python)
    run_id = bench.run_id("quix")
    group = f"{run_id}-group"
    with tempfile.TemporaryDirectory(prefix="bench-quix-state-") as state:
        argv = [str(python), str(HERE / "quix_sessions.py"), "--broker", bench.broker.bootstrap]
        argv += ["--topic", bench.raw_topic, "--output", f"{run_id}.sessions", "--group", group]
        argv += ["--state-dir", state]
        process = stack.launch(argv, log_path=bench.logs / f"{run_id}.log")
        try:
            progress = await watch_progress(
                bench.broker.bootstrap,
                group,
                bench.raw_topic,
                timeout_s=timeout_s,
                alive=lambda: process.poll() is None,
            )
        finally:
            await asyncio.to_thread(stack.halt, process)
    return DrainResult(NAME, "quixstreams", 1, "peer", progress)
