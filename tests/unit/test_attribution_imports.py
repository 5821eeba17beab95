"""Spend and rate imports: every row taken or refused on its own, with its line and reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.attribution.imports import parse_rates, parse_spend
from shared.errors import BadInput

SPEND_CSV = b"""date,source,medium,campaign,cost,currency,impressions,clicks,extra
2026-03-01,google,cpc,spring,12.50,eur,1000,40,x
2026-03-02,google,cpc,spring,-3,EUR,,,
20260303,facebook,paid_social,,7,USD,,,
2026-03-04,google,cpc,"spring, ""quoted""
on two lines",1,EUR,,,
yesterday,google,cpc,spring,1,EUR,,,
2026-03-05,google,cpc,spring,1,EURO,,,
2026-03-06,google,cpc,spring,1,EUR,1.5,,
"""


def test_a_spend_csv_takes_good_rows_and_refuses_each_bad_one_with_its_file_line() -> None:
    parsed = parse_spend(SPEND_CSV, is_csv=True)
    assert [(r.day, r.source, r.campaign, r.cost, r.currency) for r in parsed.rows] == [
        (date(2026, 3, 1), "google", "spring", Decimal("12.5000"), "EUR"),
        (date(2026, 3, 3), "facebook", "", Decimal("7.0000"), "USD"),
        (date(2026, 3, 4), "google", 'spring, "quoted"\non two lines', Decimal("1.0000"), "EUR"),
    ]
    assert parsed.rows[0].impressions == 1000
    assert parsed.rows[0].clicks == 40
    assert [(r.line, r.field) for r in parsed.refused] == [
        (3, "cost"),
        (7, "date"),
        (8, "currency"),
        (9, "impressions"),
    ]
    assert parsed.total == 7


def test_a_csv_without_a_required_column_is_refused_whole_naming_it() -> None:
    with pytest.raises(BadInput, match="missing: cost"):
        parse_spend(b"date,source,medium,campaign,currency\n", is_csv=True)


def test_json_lines_are_read_line_by_line_and_a_line_that_is_no_object_is_refused() -> None:
    body = (
        b'{"date": "2026-03-01", "source": "google", "medium": "cpc", "campaign": "a", '
        b'"cost": 3, "currency": "GBP", "channel": "paid_search"}\n'
        b"\n"
        b"[1, 2]\n"
        b'{"date": "2026-03-01", "medium": "cpc", "cost": 1, "currency": "GBP"}\n'
    )
    parsed = parse_spend(body, is_csv=False)
    assert [(r.campaign, r.cost, r.channel) for r in parsed.rows] == [
        ("a", Decimal("3.0000"), "paid_search")
    ]
    assert [(r.line, r.reason) for r in parsed.refused] == [
        (3, "each line must be a JSON object"),
        (4, "source is required"),
    ]


def test_a_body_that_is_not_utf8_is_refused_whole() -> None:
    with pytest.raises(BadInput, match="UTF-8"):
        parse_spend(b"date\xff\xfe", is_csv=True)


def test_rates_need_a_positive_rate_per_currency_and_day() -> None:
    parsed = parse_rates(
        b"date,currency,rate\n2026-03-01,usd,1.08\n2026-03-01,GBP,0\n", is_csv=True
    )
    assert [(r.day, r.currency, r.rate) for r in parsed.rows] == [
        (date(2026, 3, 1), "USD", Decimal("1.08"))
    ]
    assert [(r.line, r.field) for r in parsed.refused] == [(3, "rate")]


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (b"2026-03-01,goo\x00gle,cpc,a,1,EUR", "source"),
        (b"2026-03-01,google,cpc,a,1e30,EUR", "cost"),
        (b"2026-03-01,google,cpc,a,1,\xc3\x89UR", "currency"),
        (b"2026-03-01,google,cpc,a,1,EUR,9999999999999999999999", "impressions"),
    ],
)
def test_values_the_database_could_not_take_are_refused_with_their_field(
    line: bytes, field: str
) -> None:
    body = b"date,source,medium,campaign,cost,currency,impressions\n" + line + b"\n"
    [refused] = parse_spend(body, is_csv=True).refused
    assert (refused.line, refused.field) == (2, field)


def test_a_csv_that_cannot_be_read_is_refused_whole_from_the_line_it_breaks() -> None:
    body = b'date,source,medium,campaign,cost,currency\n2026-03-01,"google' + b"x" * 200_000
    with pytest.raises(BadInput, match="cannot be read from line 2"):
        parse_spend(body, is_csv=True)
