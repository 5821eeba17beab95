"""The plausible range of an event's time, shared by every way events come in. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# Clients with a clock far ahead would otherwise place events in the future.
MAX_FUTURE_SKEW = timedelta(hours=23)
# No event happened before this: earlier times are unset device clocks or garbage, and keeping
# them would put arithmetic on them (lateness, windows) at the edge of what datetimes can hold.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


def plausible(moment: datetime, received_at: datetime) -> tuple[datetime, tuple[str, ...]]:
    """``moment`` when it lies in [1970, received + 23 h]; otherwise the time received, flagged
    (the event is kept, and the flag says its clock was wrong)."""
    if moment > received_at + MAX_FUTURE_SKEW:
        return received_at, ("timestamp_in_future",)
    if moment < EARLIEST:
        return received_at, ("timestamp_out_of_range",)
    return moment, ()
