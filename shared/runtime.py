"""Process runtime: an HTTP server and background workers sharing one event loop and one stop.

SIGTERM/SIGINT set the stop event; workers finish what they hold (the consumer loop commits its
in-flight batch), then the HTTP server drains. A worker that fails stops the whole process with a
non-zero exit, so a supervisor restarts it and Kafka redelivers whatever was not committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Any

import uvicorn
from fastapi import FastAPI

from shared.settings import HttpSettings

log = logging.getLogger(__name__)

Worker = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The runtime owns the signals; uvicorn would re-raise them after shutdown otherwise.
        yield


def build_server(app: FastAPI, http: HttpSettings) -> uvicorn.Server:
    config = uvicorn.Config(
        app, host=http.host, port=http.port, log_config=None, lifespan="off", access_log=False
    )
    return _Server(config)


async def run_service(
    app: FastAPI,
    http: HttpSettings,
    *,
    workers: Sequence[Worker] = (),
    sockets: list[socket.socket] | None = None,
) -> None:
    """``sockets``: already listening ones (processes sharing a port); else ``http`` is bound."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = build_server(app, http)
    server_task = asyncio.create_task(server.serve(sockets=sockets), name="http")
    worker_tasks = [
        asyncio.create_task(worker(stop), name=f"worker-{i}") for i, worker in enumerate(workers)
    ]
    stop_task = asyncio.create_task(stop.wait(), name="stop")
    await asyncio.wait([server_task, stop_task, *worker_tasks], return_when=asyncio.FIRST_COMPLETED)
    log.info("stopping", extra={"signalled": stop.is_set()})
    stop.set()
    results = await asyncio.gather(*worker_tasks, return_exceptions=True)
    server.should_exit = True
    await server_task
    failures = [result for result in results if isinstance(result, BaseException)]
    if failures:
        raise failures[0]
