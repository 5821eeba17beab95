"""Reporting currency: rates file parsing and converted totals that keep the original amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.attribution.api import reporting_totals
from services.attribution.currency import Rates, load_rates, parse_rates
from tests.webhooks import FIXTURES

RATES = load_rates(FIXTURES / "currency/rates_eur.csv", reporting="eur")


def test_rates_file_converts_into_the_reporting_currency() -> None:
    assert RATES.reporting == "EUR"
    assert RATES.convert(Decimal("100"), "usd") == Decimal("92.0000")
    assert RATES.convert(Decimal("10.5"), "EUR") == Decimal("10.5000")
    assert RATES.convert(Decimal("100"), "JPY") is None


@pytest.mark.parametrize(
    "row",
    [
        {"currency": "US", "rate": "1"},
        {"currency": "USD", "rate": "-1"},
        {"currency": "USD", "rate": "abc"},
    ],
)
def test_a_bad_rates_line_is_refused_with_its_number(row: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="rates line 3"):
        parse_rates([{"currency": "GBP", "rate": "1.1"}, row], reporting="EUR")


def test_totals_add_reporting_revenue_and_list_what_cannot_be_converted() -> None:
    groups = [
        {"key": "spring", "currency": "USD", "conversions": "1", "revenue": "100.0000"},
        {"key": "spring", "currency": "EUR", "conversions": "1", "revenue": "50.0000"},
        {"key": "fall", "currency": "JPY", "conversions": "1", "revenue": "9000.0000"},
    ]
    totals = reporting_totals(groups, RATES)
    assert [g["reportingRevenue"] for g in groups] == ["92.0000", "50.0000", None]
    assert (groups[0]["currency"], groups[0]["revenue"]) == ("USD", "100.0000")
    assert totals == {
        "currency": "EUR",
        "revenue": "142.0000",
        "byKey": [{"key": "spring", "revenue": "142.0000"}],
        "unconverted": ["JPY"],
    }


def test_the_reporting_currency_needs_no_rate_of_its_own() -> None:
    assert Rates(reporting="GBP", per_unit={}).convert(Decimal(3), "gbp") == Decimal("3.0000")
