"""Which failures the consumer loop retries (a dependency that will come back) and which it
treats as content or bugs."""

from __future__ import annotations

import pytest

from shared.database import is_transient
from shared.poison import content_failure


class PgError(Exception):
    """What asyncpg raises: an exception carrying the server's SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"server said {sqlstate}")
        self.sqlstate = sqlstate


class Wrapped(Exception):
    """What a driver adapter raises around it, with the original as ``orig``."""

    def __init__(self, orig: BaseException) -> None:
        super().__init__(str(orig))
        self.orig = orig


@pytest.mark.parametrize(
    "state",
    ["57P01", "57P03", "08006", "08001", "53300", "40001", "40P01"],
)
def test_a_server_going_away_starting_or_deadlocking_is_retried(state: str) -> None:
    assert is_transient(PgError(state))
    assert is_transient(Wrapped(PgError(state)))
    assert content_failure(PgError(state)) is None


@pytest.mark.parametrize("state", ["22021", "22003", "23514", "54000"])
def test_data_the_server_refuses_is_content_not_an_outage(state: str) -> None:
    assert not is_transient(PgError(state))
    failure = content_failure(Wrapped(PgError(state)))
    assert failure is not None
    assert failure[1] == f"sql_{state}"


def test_a_unique_violation_is_neither_an_outage_nor_content_but_a_bug() -> None:
    assert not is_transient(PgError("23505"))
    assert content_failure(PgError("23505")) is None
