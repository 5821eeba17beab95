"""Several collector processes behind one listening socket (``COLLECTOR__WORKERS``).

The parent binds the socket, forks the workers and forwards SIGTERM/SIGINT to them; the kernel
spreads connections among them. Each worker owns a spool: worker 0 the configured directory (so
one worker, the default, keeps the layout it always had), worker ``i`` its ``worker-<i>``
subdirectory, so a restart with the same count replays every spool. A start with fewer workers
than a spool left with frames is refused: no process would replay them. If one worker dies, the
others are stopped and the parent exits non-zero, for the supervisor to restart the whole set.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from services.collector.spool import Spool

log = logging.getLogger(__name__)


class OrphanedSpool(Exception):
    """A worker spool that no worker of this start would replay still holds frames."""


def spool_dir(base: Path, index: int) -> Path:
    return base if index == 0 else base / f"worker-{index}"


def check_spools(base: Path, *, workers: int) -> None:
    for path in sorted(base.glob("worker-*")):
        suffix = path.name.removeprefix("worker-")
        if not suffix.isdigit() or int(suffix) < workers:
            continue
        spool = Spool(path, max_bytes=1 << 62, segment_bytes=1 << 62)
        spool.open()
        pending = spool.pending_entries
        spool.close()
        if pending:
            raise OrphanedSpool(
                f"{path} holds {pending} undelivered requests but only {workers} workers would "
                f"start; start with COLLECTOR__WORKERS={int(suffix) + 1} until it is drained"
            )


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def run_workers(count: int, work: Callable[[int], None]) -> int:
    """Forks ``count`` processes running ``work(index)``; returns the exit status for the parent."""
    children: dict[int, int] = {}
    for index in range(count):
        pid = os.fork()
        if pid == 0:  # the worker: nothing of the parent's signal handling applies here
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            _stop_with_parent()
            status = 0
            try:
                work(index)
            except BaseException:
                log.exception("collector worker failed", extra={"worker": index})
                status = 1
            os._exit(status)
        children[pid] = index

    def forward(signum: int, _: object) -> None:
        for pid in children:
            os.kill(pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return _wait(children, forward)


def _stop_with_parent() -> None:
    """On Linux, a parent killed outright (kill -9) sends its workers SIGTERM, so none is left
    holding the port; elsewhere the supervisor must stop the process group."""
    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _wait(children: dict[int, int], forward: Callable[[int, object], None]) -> int:
    failed = False
    while children:
        pid, status = os.wait()
        index = children.pop(pid, None)
        if index is None:
            continue
        if os.waitstatus_to_exitcode(status) != 0 and not failed:
            log.error("collector worker exited; stopping the others", extra={"worker": index})
            failed = True
            forward(signal.SIGTERM, None)
    return 1 if failed else 0
