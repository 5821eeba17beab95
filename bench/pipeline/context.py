"""What every phase of one benchmark run shares: the broker, its names, databases, logs."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path

from bench.pipeline import stack
from bench.pipeline.broker import Broker
from shared.settings import TopicSettings

# Variables of the benchmark itself, never handed to the services.
OWN_VARIABLES = ("BENCH_ROOT", "BENCH_TOKEN")


@dataclass(frozen=True)
class Variant:
    """Services of one checkout with some settings: ``label:BENCH_ROOT=<dir>,ENV=VALUE,…``."""

    label: str
    root: Path = stack.ROOT
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Variant:
        label, _, assignments = text.partition(":")
        env = dict(item.split("=", 1) for item in assignments.split(",") if item)
        root = Path(env.pop("BENCH_ROOT", str(stack.ROOT))).resolve()
        if not (root / "services").is_dir():
            raise ValueError(f"variant {label!r}: BENCH_ROOT {root} is not a Boucle checkout")
        return cls(label or "variant", root, env)


@dataclass
class Bench:
    broker: Broker
    logs: Path
    # Every topic and database of this run starts with these, and all are removed at the end.
    topic_prefix: str = field(default_factory=lambda: stack.unique("benchp-"))
    database_prefix: str = field(default_factory=lambda: stack.unique("bench_"))
    raw_topic: str = ""
    partitions: int = 3
    _templates: dict[Path, str] = field(default_factory=dict)
    _runs: int = 0

    def run_id(self, what: str) -> str:
        self._runs += 1
        return f"{self.topic_prefix}-{self._runs}-{what}"

    async def database(self, root: Path) -> str:
        """A fresh database migrated by ``root``'s Alembic: a clone of that checkout's template."""
        if root not in self._templates:
            template = f"{self.database_prefix}_t{len(self._templates)}"
            await stack.admin_sql(f'CREATE DATABASE "{template}"')
            await asyncio.to_thread(stack.migrate, template, root=root)
            self._templates[root] = template
        self._runs += 1
        name = f"{self.database_prefix}_{self._runs}"
        await stack.admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{self._templates[root]}"')
        return stack.database_url(name)

    async def topics(self, run_id: str, **given: str) -> TopicSettings:
        """The run's own topics, created, but for the ``given`` ones (inputs made earlier)."""
        topics = stack.topics_for(run_id, **given)
        made = [name for key, name in topics.model_dump().items() if key not in given]
        await self.broker.create_topics(made, partitions=self.partitions)
        return topics

    def env(self, variant: Variant, *, database_url: str, topics: TopicSettings) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if k not in OWN_VARIABLES}
        return {
            **base,
            "KAFKA__BOOTSTRAP_SERVERS": self.broker.bootstrap,
            "DATABASE__URL": database_url,
            "LOG__LEVEL": "WARNING",
            **stack.topic_env(topics),
            **variant.env,
        }

    async def clean(self) -> list[str]:
        await stack.drop_databases(self.database_prefix)
        return await self.broker.delete_topics(containing=self.topic_prefix)
