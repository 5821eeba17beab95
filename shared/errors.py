"""The three kinds of failure Boucle distinguishes.

* ``BadInput``: the data is wrong; the sender can fix it. Becomes a 4xx or a dead letter.
* ``DependencyDown``: Kafka or PostgreSQL is unreachable or too slow. Becomes a retry, or a 503
  with ``Retry-After``; never a silent drop.
* anything else is a bug and stops the process without committing offsets.
"""

from __future__ import annotations


class BoucleError(Exception):
    """Root of Boucle's own errors."""


class BadInput(BoucleError):
    """Input that can never succeed as sent; ``field`` names the offending part when known."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class BadRecord(BadInput):
    """A Kafka record that cannot be decoded into the schema its topic promises."""


class DependencyDown(BoucleError):
    """A dependency did not answer in time; the same operation may succeed later."""

    def __init__(self, dependency: str, detail: str) -> None:
        super().__init__(f"{dependency} unavailable: {detail}")
        self.dependency = dependency
        self.detail = detail
