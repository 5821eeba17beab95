"""All four services as real processes, on fresh topics and a fresh database, for this run."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from shared.settings import TopicSettings
from tests import infra

SERVICES = ("collector", "sessionizer", "attribution", "feedback")
WRITE_KEY = "e2e-write-key"
TOKEN = "e2e-admin-token"  # every scope: the read APIs need a token (`shared.tokens seed-demo`)


@dataclass(frozen=True)
class Stack:
    urls: dict[str, str]
    topics: TopicSettings
    write_key: str
    env: dict[str, str] = field(default_factory=dict)  # to run the CLI against this stack
    token: str = TOKEN


def _environment(database_url: str, topics: TopicSettings, prefix: str) -> dict[str, str]:
    base_port = int(os.environ.get("BOUCLE_E2E_PORT_BASE", "18000"))
    env = {
        **os.environ,
        "DATABASE__URL": database_url,
        "KAFKA__BOOTSTRAP_SERVERS": infra.BOOTSTRAP,
        "BOUCLE_DEMO_WRITE_KEY": WRITE_KEY,
        "BOUCLE_DEMO_TOKEN": TOKEN,
        "LOG__LEVEL": "INFO",
        # the queues' own topics under this run's prefix, like every other topic
        "FEEDBACK__POLICY__TRIAGE__QUEUES": infra.feedback_queues(topics),
    }
    for name, topic in topics.model_dump().items():
        env[f"TOPICS__{name.upper()}"] = topic
    for offset, service in enumerate(SERVICES):
        env[f"{service.upper()}__PORT"] = str(base_port + offset)
        env[f"{service.upper()}__CONSUMER__GROUP_ID"] = f"{prefix}-{service}"
    # Where a browser reaches each service: the pages' links and the pipeline page's calls.
    pages = {s: f"http://127.0.0.1:{base_port + offset}" for offset, s in enumerate(SERVICES)}
    env["PAGES__SERVICES"] = json.dumps(pages)
    return env


@pytest.fixture(scope="module")
def stack(
    template_database: str,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[Stack]:
    """``STACK_ENV`` in the test module: settings of its own for this module's stack."""
    prefix = infra.unique("e2e")
    topics = asyncio.run(infra.create_topics(prefix))
    database = infra.unique("boucle_e2e")
    asyncio.run(infra.admin_sql(f'CREATE DATABASE "{database}" TEMPLATE "{template_database}"'))
    env = _environment(infra.database_url(database), topics, prefix)
    env.update(getattr(request.module, "STACK_ENV", {}))
    env["COLLECTOR__SPOOL__DIR"] = str(tmp_path_factory.mktemp("spool"))
    for seed in (["services.collector", "sources"], ["shared.tokens"]):
        subprocess.run(
            [sys.executable, "-m", *seed, "seed-demo"],
            cwd=infra.ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    logs = tmp_path_factory.mktemp("logs")
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for service in SERVICES:
            processes[service] = infra.start_service(service, env, logs / f"{service}.log")
        urls = {s: f"http://127.0.0.1:{env[f'{s.upper()}__PORT']}" for s in SERVICES}
        for service in SERVICES:
            infra.wait_ready(urls[service], processes[service], logs / f"{service}.log")
        yield Stack(urls=urls, topics=topics, write_key=WRITE_KEY, env=env)
        # SIGTERM: each service finishes its batch and exits cleanly.
        exit_codes = {service: infra.stop(process) for service, process in processes.items()}
        assert exit_codes == dict.fromkeys(SERVICES, 0), f"unclean stop, logs in {logs}"
    finally:
        for process in processes.values():
            infra.stop(process)
        asyncio.run(infra.admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
