"""KPIs from aggregate rows, checked against values worked out by hand from raw responses."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from services.feedback.instruments import POLARITY, Bands, Scored
from services.feedback.kpis import (
    CaseCounts,
    Grain,
    Key,
    ResponseCounts,
    case_kpis,
    period_of,
    score_kpis,
)

MONDAY = date(2026, 3, 2)
# (day offset, instrument, first-touch channel, campaign, score)
RAW: list[tuple[int, Scored, str | None, str | None, int]] = [
    (0, "nps", "email", "spring", 10),
    (0, "nps", "email", "spring", 10),
    (1, "nps", "email", "spring", 9),
    (1, "nps", "paid_search", None, 8),
    (2, "nps", "paid_search", None, 7),
    (3, "nps", "paid_search", None, 6),
    (8, "nps", "email", "spring", 2),
    (0, "csat", "email", "spring", 5),
    (1, "csat", "email", "spring", 4),
    (2, "csat", "paid_search", None, 3),
    (9, "csat", "paid_search", None, 1),
    (0, "ces", "email", "spring", 6),
    (4, "ces", "paid_search", None, 2),
    (5, "review", None, None, 4),
    (5, "review", None, None, 1),
]


def rows_of(raw: list[tuple[int, Scored, str | None, str | None, int]]) -> list[ResponseCounts]:
    """What ``GROUP BY day, instrument, channel, campaign`` returns for these responses."""
    bands = Bands()
    groups: dict[tuple[int, Scored, str | None, str | None], Counter[str]] = {}
    for offset, instrument, channel, campaign, score in raw:
        counts = groups.setdefault((offset, instrument, channel, campaign), Counter())
        counts[POLARITY[bands.band(instrument, score)]] += 1
        counts["n"] += 1
        counts["sum"] += score
    return [
        ResponseCounts(
            day=MONDAY + timedelta(days=offset),
            instrument=instrument,
            channel=channel,
            campaign=campaign,
            responses=c["n"],
            negative=c["negative"],
            neutral=c["neutral"],
            positive=c["positive"],
            score_sum=c["sum"],
        )
        for (offset, instrument, channel, campaign), c in groups.items()
    ]


def test_nps_csat_ces_and_rating_over_everything() -> None:
    (total,) = score_kpis(rows_of(RAW), grain="all")
    # NPS scores 10, 10, 9, 8, 7, 6, 2: 3 promoters, 2 detractors of 7.
    assert total.nps == pytest.approx(100 * (3 - 2) / 7)
    # CSAT 5, 4, 3, 1: two in the top-2 box of four.
    assert total.csat == 50.0
    assert total.ces == (6 + 2) / 2
    assert total.rating == (4 + 1) / 2
    assert total.volumes == {"nps": 7, "csat": 4, "ces": 2, "review": 2}
    assert total.responses == 15
    assert total.key == Key(None, None, None)


def test_weekly_kpis_split_by_week() -> None:
    first, second = score_kpis(rows_of(RAW), grain="week")
    assert (first.key.period, second.key.period) == (MONDAY, MONDAY + timedelta(days=7))
    # Week 1 NPS: 10, 10, 9, 8, 7, 6 -> 3 promoters, 1 detractor of 6.
    assert first.nps == pytest.approx(100 * 2 / 6)
    # Week 2: a lone 2 (detractor) and a CSAT 1.
    assert (second.nps, second.csat, second.ces) == (-100.0, 0.0, None)


def test_kpis_per_acquisition_channel_and_campaign() -> None:
    by_channel = {k.key.channel: k for k in score_kpis(rows_of(RAW), grain="all", by=["channel"])}
    assert set(by_channel) == {None, "email", "paid_search"}
    # email NPS: 10, 10, 9, 2 -> 3 promoters, 1 detractor of 4.
    assert by_channel["email"].nps == 50.0
    # paid_search NPS: 8, 7, 6 -> 0 promoters, 1 detractor of 3.
    assert by_channel["paid_search"].nps == pytest.approx(-100 / 3)
    assert by_channel[None].nps is None
    both = score_kpis(rows_of(RAW), grain="month", by=["channel", "campaign"])
    assert [(k.key.period, k.key.channel, k.key.campaign) for k in both] == [
        (date(2026, 3, 1), None, None),
        (date(2026, 3, 1), "email", "spring"),
        (date(2026, 3, 1), "paid_search", None),
    ]


def test_case_kpis_from_cohort_rows() -> None:
    rows = [
        # Monday: 4 opened; 3 contacted after 2 h, 4 h and 6 h (2 in time); 2 resolved after
        # 1 and 3 days (1 in time); 1 recovered; 1 reopened.
        CaseCounts(
            MONDAY,
            "email",
            "spring",
            opened=4,
            contacted=3,
            contact_seconds=(2 + 4 + 6) * 3600,
            contacted_in_time=2,
            resolved=2,
            resolve_seconds=(1 + 3) * 86400,
            resolved_in_time=1,
            recovered=1,
            reopened=1,
        ),
        # Wednesday: 1 opened, contacted after 1 h in time, resolved after 1 day in time, recovered.
        CaseCounts(
            MONDAY + timedelta(days=2),
            "paid_search",
            None,
            opened=1,
            contacted=1,
            contact_seconds=3600,
            contacted_in_time=1,
            resolved=1,
            resolve_seconds=86400,
            resolved_in_time=1,
            recovered=1,
        ),
    ]
    (week,) = case_kpis(rows, grain="week")
    assert (week.opened, week.contacted, week.resolved) == (5, 4, 3)
    assert week.time_to_first_contact == timedelta(hours=(2 + 4 + 6 + 1) / 4)
    assert week.time_to_resolve == timedelta(days=(1 + 3 + 1) / 3)
    assert week.contacted_within_sla == 75.0
    assert week.resolved_within_sla == pytest.approx(100 * 2 / 3)
    assert week.recovery_rate == pytest.approx(100 * 2 / 3)
    assert week.reopen_rate == 20.0
    email, paid = case_kpis(rows, grain="all", by=["channel"])
    assert (email.key.channel, email.recovery_rate, paid.recovery_rate) == ("email", 50.0, 100.0)


def test_periods_without_contacts_or_resolutions_report_none_not_zero() -> None:
    (quiet,) = case_kpis([CaseCounts(MONDAY, None, None, opened=2)], grain="day")
    assert (quiet.time_to_first_contact, quiet.contacted_within_sla, quiet.recovery_rate) == (
        None,
        None,
        None,
    )
    assert quiet.reopen_rate == 0.0
    assert score_kpis([], grain="week") == []


@pytest.mark.parametrize(
    ("grain", "start"),
    [
        ("day", date(2026, 3, 5)),
        ("week", date(2026, 3, 2)),
        ("month", date(2026, 3, 1)),
        ("all", None),
    ],
)
def test_periods_start_on_their_first_day(grain: Grain, start: date | None) -> None:
    assert period_of(date(2026, 3, 5), grain) == start
