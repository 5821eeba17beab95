"""Services as processes (``python -m services.<name>``), configured only by environment
variables, on ports 18600-18699, each run with fresh topics, group and database.

Databases are clones of a template migrated once per checkout with its own Alembic migrations,
so a run never sees another run's state (a consumer that found every event already processed
would look fast).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from shared.settings import TopicSettings

ROOT = Path(__file__).resolve().parents[2]
PORTS = {"collector": 18600, "sessionizer": 18610, "attribution": 18620, "feedback": 18630}
ADMIN_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql://boucle:boucle@127.0.0.1:5432/boucle"
).replace("+asyncpg", "")


# Every process the benchmark started and has not stopped yet. They are stopped at exit whatever
# happened (Ctrl-C, SIGTERM, a crash), so an interrupted run leaves nothing on a shared machine.
_STARTED: set[subprocess.Popen[bytes]] = set()


def launch(
    argv: list[str], *, log_path: Path, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    with open(log_path, "ab") as log:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    _STARTED.add(process)
    return process


def halt(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as a supervisor would; SIGKILL after 30 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    _STARTED.discard(process)


def halt_leftovers() -> None:
    for process in list(_STARTED):
        halt(process)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def database_url(name: str) -> str:
    return (
        ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + name
    )


async def admin_sql(*statements: str) -> None:
    """Outside a transaction, as CREATE and DROP DATABASE need."""
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def drop_databases(prefix: str) -> None:
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        rows = await conn.fetch(
            "SELECT datname FROM pg_database WHERE starts_with(datname, $1)", prefix
        )
        for row in rows:
            await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
    finally:
        await conn.close()


def migrate(name: str, *, root: Path) -> None:
    """Alembic of ``root``'s checkout, as `make migrate` runs it."""
    subprocess.run(
        [sys.executable, "-m", "alembic", "-c", "deploy/alembic.ini", "upgrade", "head"],
        cwd=root,
        env={**os.environ, "DATABASE__URL": database_url(name)},
        check=True,
        capture_output=True,
    )


def topic_env(topics: TopicSettings) -> dict[str, str]:
    return {f"TOPICS__{name.upper()}": value for name, value in topics.model_dump().items()}


def topics_for(prefix: str, **given: str) -> TopicSettings:
    """Every topic the settings know under ``prefix``, so none falls back to a shared default."""
    names = {name: f"{prefix}.{default}" for name, default in TopicSettings().model_dump().items()}
    return TopicSettings(**{**names, **given})


@dataclass
class Service:
    """One service process; ``instance`` picks its port within the service's ten."""

    name: str
    env: dict[str, str]
    logs: Path
    instance: int = 0
    root: Path = ROOT
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def port(self) -> int:
        return PORTS[self.name] + self.instance

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.logs / f"{self.name}-{self.instance}.log"

    def start(self) -> None:
        env = {**self.env, f"{self.name.upper()}__PORT": str(self.port)}
        argv = [sys.executable, "-m", f"services.{self.name}"]
        self.process = launch(argv, log_path=self.log_path, cwd=self.root, env=env)

    def wait_ready(self, *, timeout_s: float = 60) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{tail}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} not ready after {timeout_s:.0f} s (log {self.log_path})")

    def stop(self) -> None:
        if self.process is not None:
            halt(self.process)


def start_all(services: list[Service]) -> None:
    """Starts every process first, then waits: they warm up side by side."""
    try:
        for service in services:
            service.start()
        for service in services:
            service.wait_ready()
    except BaseException:
        stop_all(services)
        raise


def stop_all(services: list[Service]) -> None:
    for service in services:
        if service.process is not None and service.process.poll() is None:
            service.process.send_signal(signal.SIGTERM)
    for service in services:
        service.stop()
