"""Which failures are a record's own fault, and so a dead letter rather than an outage or a bug.

A record can carry what no rule or column can take: a NUL character PostgreSQL text refuses, a
number past a column's precision, a value a domain rule rejects. Applying it fails the same way
on every delivery, so retrying or crashing would stop the stream for good. Those failures are
"content" failures: the loop isolates the record (see shared/consumer.py) and dead-letters it.
Everything else keeps its meaning: a dependency outage is retried, and a bug stops the process.
"""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from shared.broker import Record
from shared.database import sqlstate
from shared.errors import BadInput

# SQLSTATE classes and codes that describe the data, not the server or the code:
# 22 data exception (22021 bad encoding or NUL, 22003 numeric out of range, 22007 bad datetime…),
# 23514 a check constraint, 54000 a value too large for an index row.
CONTENT_SQLSTATE_CLASSES = ("22",)
CONTENT_SQLSTATES = ("23514", "54000")


class PoisonRecord(BadInput):
    """Raised by a handler that knows which record it cannot apply: it alone is dead-lettered,
    without searching the batch for it."""

    def __init__(self, record: Record, message: str, *, code: str = "domain") -> None:
        super().__init__(message, code=code)
        self.record = record


def content_failure(exc: BaseException) -> tuple[str, str] | None:
    """(reason, code) when ``exc`` says the data itself cannot be applied; None otherwise."""
    if isinstance(exc, BadInput):
        return exc.message, exc.code
    if isinstance(exc, ValidationError):
        return f"invalid data: {exc.errors()[0]['msg']}", "schema"
    if isinstance(exc, ArithmeticError | UnicodeError):  # overflow, decimal, encodings
        return f"{type(exc).__name__}: {exc}", "value"
    # SQLAlchemy's DBAPIError, or asyncpg's own errors on the raw connection of bulk writes.
    state = sqlstate(exc)
    if state is not None and (
        state.startswith(CONTENT_SQLSTATE_CLASSES) or state in CONTENT_SQLSTATES
    ):
        origin = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        detail = (str(origin).strip().splitlines() or [type(origin).__name__])[0]
        return f"database refused the data ({state}): {detail}", f"sql_{state}"
    return None
