"""The dashboard's building blocks: panels, their queries, and the query shapes every row uses.
``$__rate_interval`` is Grafana's: at least four scrape intervals."""

from __future__ import annotations

from dataclasses import dataclass

CONSUMERS = ("sessionizer", "attribution", "feedback")
SERVICES = ("collector", *CONSUMERS)
API = 'route!~"/metrics|/healthz|/readyz"'  # what clients call; scrapes and probes aside
RATE = "[$__rate_interval]"

# A stat panel's colours: (colour, from this value on), the first from minus infinity.
Steps = tuple[tuple[str, float | None], ...]
BAD_FROM_ONE: Steps = (("green", None), ("red", 1))
GOOD_FROM_ONE: Steps = (("red", None), ("green", 1))


@dataclass(frozen=True, slots=True)
class Query:
    expr: str
    legend: str = ""


@dataclass(frozen=True, slots=True)
class Panel:
    title: str
    queries: tuple[Query, ...]
    unit: str = "short"
    description: str = ""
    kind: str = "timeseries"
    width: int = 8
    height: int = 7
    steps: Steps = BAD_FROM_ONE


def stat(
    title: str,
    query: Query,
    *,
    description: str,
    steps: Steps = BAD_FROM_ONE,
) -> Panel:
    return Panel(
        title, (query,), description=description, kind="stat", width=6, height=4, steps=steps
    )


def quantiles(metric: str, *, by: str = "", legend: str = "") -> tuple[Query, ...]:
    """p50 and p99 of a histogram's recent observations (``by``: labels kept)."""
    keep = f"{by}, le" if by else "le"
    return tuple(
        Query(
            f"histogram_quantile({q}, sum by ({keep}) (rate({metric}_bucket{RATE})))",
            f"p{round(q * 100)} {legend}".strip(),
        )
        for q in (0.5, 0.99)
    )


def rate_by(metric: str, by: str, *, legend: str, selector: str = "") -> Query:
    inner = f"{metric}{{{selector}}}" if selector else metric
    return Query(f"sum by ({by}) (rate({inner}{RATE}))", legend)
