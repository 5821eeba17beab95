"""Real processes for collector tests: the collector itself and a throwaway Kafka broker."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.settings import TopicSettings
from tests import infra

WRITE_KEY = "process-write-key"
PORT_BASE = int(os.environ.get("BOUCLE_E2E_PORT_BASE", "18000"))


def collector_env(
    *,
    database_url: str,
    topics: TopicSettings,
    bootstrap: str,
    port: int,
    spool_dir: Path,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE__URL": database_url,
        "KAFKA__BOOTSTRAP_SERVERS": bootstrap,
        "BOUCLE_DEMO_WRITE_KEY": WRITE_KEY,
        "COLLECTOR__PORT": str(port),
        "COLLECTOR__SPOOL__DIR": str(spool_dir),
        "COLLECTOR__SPOOL__ACK_TIMEOUT_S": "1",
        "COLLECTOR__SPOOL__RECONNECT_S": "0.5",
        "LOG__LEVEL": "INFO",
    }
    for name, topic in topics.model_dump().items():
        env[f"TOPICS__{name.upper()}"] = topic
    return {**env, **(extra or {})}


def seed_demo_source(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "services.collector", "sources", "seed-demo"],
        cwd=infra.ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


@dataclass
class Collector:
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.env['COLLECTOR__PORT']}"

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.collector"],
                cwd=infra.ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_http(f"{self.url}/readyz", self.process, self.log_path)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, like a crash or the OOM killer."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return None

    def metric(self, name: str) -> float:
        text = httpx.get(f"{self.url}/metrics", timeout=5).text
        for line in text.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
        return 0.0


def wait_http(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after 60 s:\n{log_path.read_text()}")


@dataclass(frozen=True)
class ThrowawayBroker:
    """A broker of our own (deploy/kafka.sh with its own run dir and ports), safe to stop."""

    run_dir: Path
    port: int
    controller_port: int

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _script(self, command: str) -> None:
        env = {
            **os.environ,
            "BOUCLE_RUN_DIR": str(self.run_dir),
            "KAFKA_PORT": str(self.port),
            "KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "KAFKA_HEAP": "-Xms128m -Xmx384m",
        }
        subprocess.run(
            [str(infra.ROOT / "deploy" / "kafka.sh"), command],
            env=env,
            check=True,
            capture_output=True,
            timeout=180,
        )

    def start(self) -> None:
        self._script("start")

    def stop(self) -> None:
        self._script("stop")


def _pg_bin(tool: str) -> str:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not versions:
        raise RuntimeError("no PostgreSQL server under /usr/lib/postgresql (deploy/postgres.sh)")
    return str(versions[-1] / tool)


@dataclass
class ThrowawayPostgres:
    """A PostgreSQL cluster of our own (Debian's binaries, its own directory and port), safe to
    stop and start again: the shared server is never touched. As root, it runs as postgres."""

    directory: Path
    port: int
    password: str = "boucle"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://boucle:{self.password}@127.0.0.1:{self.port}/boucle"

    def _run(self, *argv: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*as_postgres, *argv], capture_output=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed: {done.stderr.decode(errors='replace')}")

    def create(self) -> None:
        """``directory`` must be reachable by the postgres user: not under a 0700 parent such
        as pytest's tmp_path when running as root (use tempfile.mkdtemp in /tmp)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        data = str(self.directory / "data")
        self._run(_pg_bin("initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        for sql in (
            f"CREATE ROLE boucle LOGIN CREATEDB PASSWORD '{self.password}'",
            "CREATE DATABASE boucle OWNER boucle",
        ):
            self._run(
                _pg_bin("psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-c",
                sql,
            )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        self._run(
            _pg_bin("pg_ctl"),
            "-D",
            str(self.directory / "data"),
            "-o",
            options,
            "-l",
            str(self.directory / "server.log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.directory / "data"), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@dataclass(frozen=True)
class RunningCollector:
    collector: Collector
    topics: TopicSettings
    write_key: str = WRITE_KEY

    @property
    def url(self) -> str:
        return self.collector.url


@contextlib.contextmanager
def running_collector(
    template_database: str, work_dir: Path, *, port: int, extra: dict[str, str] | None = None
) -> Iterator[RunningCollector]:
    """A collector process on the shared broker, with fresh topics and a fresh database."""
    topics = asyncio.run(infra.create_topics(infra.unique("c")))
    database = infra.unique("boucle_c")
    asyncio.run(infra.admin_sql(f'CREATE DATABASE "{database}" TEMPLATE "{template_database}"'))
    env = collector_env(
        database_url=infra.database_url(database),
        topics=topics,
        bootstrap=infra.BOOTSTRAP,
        port=port,
        spool_dir=work_dir / "spool",
        extra=extra,
    )
    seed_demo_source(env)
    collector = Collector(env, work_dir / "collector.log")
    try:
        collector.start()
        yield RunningCollector(collector, topics)
        assert collector.stop() == 0, (work_dir / "collector.log").read_text()
    finally:
        collector.stop()
        asyncio.run(infra.admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
