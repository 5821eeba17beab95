"""SQL of money: a day's conversion factor, and the day-level cost rows every cost read uses.

A day's factor from currency c into the target T is rate(T)/rate(c), each the latest rate on or
before the day (units per one unit of the base currency; the base is 1); NULL when either is
missing. Every conversion — the stream's monthly deltas, a month's rebuild, a report by day —
computes it with this same SQL, so a monthly row always equals the sum of its days' rows times
their factors, exactly (numeric products, no rounding).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Money:
    reporting: str  # what the monthly rollups are converted into
    base: str  # what the imported rates are quoted against


def rate_sql(currency: str, day: str) -> str:
    return (
        f"(CASE WHEN {currency} = :base THEN 1::numeric ELSE (SELECT r.rate FROM "
        f"attribution.rates r WHERE r.currency = {currency} AND r.day <= {day} "
        "ORDER BY r.day DESC LIMIT 1) END)"
    )


def factor_sql(currency: str, day: str) -> str:
    """Into ``:target``. ``currency`` and ``day`` must be qualified: the rate subqueries have
    columns of the same names."""
    return (
        f"(CASE WHEN {currency} = :target THEN 1::numeric ELSE "
        f"{rate_sql(':target', day)} / NULLIF({rate_sql(currency, day)}, 0) END)"
    )


def factors(source: str) -> str:
    """CTEs ``pairs`` and ``f`` (currency, day, factor) for the distinct (currency, day) of the
    CTE named ``source``; materialised, so each pair's rates are looked up once."""
    return (
        f"pairs AS (SELECT DISTINCT currency, day FROM {source}), "
        f"f AS MATERIALIZED (SELECT p.currency, p.day, {factor_sql('p.currency', 'p.day')} "
        "AS factor FROM pairs p)"
    )


def _value(dimension: str, alias: str) -> str:
    if dimension == "channel" and alias == "s":  # spend imported without a channel
        return "coalesce(s.channel, cc.channel, '')"
    return f"{alias}.{dimension}"


def cost_days(dimension: str, days: str) -> str:
    """CTE ``t``: cost per (value, currency, day) of the days ``days`` selects (a condition on
    ``{d}``, the day column): imported spend, and the ad events' costs of every day and
    campaign with no import."""
    spend_days, event_days = days.format(d="s.day"), days.format(d="e.day")
    return (
        "c AS (SELECT s.day, s.currency, s.cost, coalesce(s.impressions, 0) AS impressions, "
        f"coalesce(s.clicks, 0) AS clicks, "
        f"{_value(dimension, 's')} AS value FROM attribution.spend s "
        "LEFT JOIN attribution.campaign_channels cc USING (source, medium, campaign) "
        f"WHERE {spend_days} "
        f"UNION ALL SELECT e.day, e.currency, e.cost, e.impressions, e.clicks, "
        f"{_value(dimension, 'e')} FROM attribution.ad_cost_totals e "
        f"WHERE {event_days} AND NOT EXISTS (SELECT 1 FROM attribution.spend x "
        "WHERE x.day = e.day AND x.source = e.source AND x.medium = e.medium "
        "AND x.campaign = e.campaign)), "
        "t AS (SELECT value, currency, day, sum(cost) AS r, sum(impressions) AS i, "
        "sum(clicks) AS k FROM c GROUP BY 1, 2, 3)"
    )


def converted_costs(dimension: str, days: str) -> str:
    """(value, currency: the target's or, with no rate, its own, cost, impressions, clicks)."""
    return (
        f"WITH {cost_days(dimension, days)}, {factors('t')} "
        "SELECT t.value, CASE WHEN f.factor IS NULL THEN t.currency ELSE :target END "
        "AS currency, sum(t.r * coalesce(f.factor, 1)) AS cost, sum(t.i) AS impressions, "
        "sum(t.k) AS clicks FROM t JOIN f USING (currency, day) GROUP BY 1, 2"
    )
