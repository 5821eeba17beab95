"""Report rows: models side by side, CPA, ROAS, ROI and conversion rate, the CSV."""

from __future__ import annotations

from decimal import Decimal

from services.attribution.report import ReportOut, csv_of, figures, groups_of, unconverted_of
from services.attribution.repository.reports import Amount

D = Decimal


def test_cpa_roas_and_roi_are_cost_per_conversion_revenue_per_cost_and_return_on_cost() -> None:
    f = figures(D("4"), D("500"), D("200"))
    assert (f.cpa, f.roas, f.roi) == (D("50.0000"), D("2.5000"), D("1.5000"))


def test_ratios_are_null_when_the_cost_is_unknown_or_a_divisor_is_zero() -> None:
    unknown = figures(D("2"), D("100"), None)
    assert (unknown.cpa, unknown.roas, unknown.roi) == (None, None, None)
    free = figures(D("0"), D("0"), D("0"))
    assert (free.cpa, free.roas, free.roi) == (None, None, None)


def test_groups_show_every_model_side_by_side_with_the_groups_cost_and_reach() -> None:
    credited = [
        Amount("spring", None, D("1.5"), D("150"), model="linear"),
        Amount("spring", None, D("2"), D("200"), model="last_touch"),
        Amount("spring", "JPY", D("0.5"), D("9000"), model="linear"),  # no rate: count only
        Amount("fall", None, D("0.5"), D("50"), model="linear"),
    ]
    costs = [Amount("spring", None, D(0), D("100"), impressions=10, clicks=4)]
    groups = groups_of(credited, costs, {"spring": (10, 3)}, models=["linear", "last_touch"])
    assert [g.key for g in groups] == ["spring", "fall"]
    spring = groups[0]
    assert (spring.cost, spring.clicks, spring.conversion_rate) == (D("100"), 4, D("0.3000"))
    assert spring.models["linear"].conversions == D("2.0")
    assert spring.models["linear"].revenue == D("150")
    assert spring.models["last_touch"].cpa == D("50.0000")
    assert groups[1].models["last_touch"].conversions == 0
    assert groups[1].cost is None
    assert groups[1].conversion_rate is None


def test_amounts_without_a_rate_are_listed_in_their_own_currency() -> None:
    credited = [Amount("spring", "JPY", D("1"), D("9000"), model="linear")]
    costs = [Amount("spring", "JPY", D(0), D("1200"))]
    [left] = unconverted_of(credited, costs)
    assert (left.currency, left.revenue, left.cost) == ("JPY", {"linear": D("9000")}, D("1200"))


def test_the_csv_has_one_line_per_group_and_model() -> None:
    groups = groups_of(
        [Amount("spring", None, D("1"), D("100"), model="linear")],
        [Amount("spring", None, D(0), D("25"))],
        {"spring": (4, 1)},
        models=["linear"],
    )
    report = ReportOut.model_validate(
        {
            "groupBy": "campaign",
            "from": None,
            "to": None,
            "stage": None,
            "currency": "EUR",
            "models": [],
            "groups": groups,
            "unconverted": [],
        }
    )
    assert csv_of(report).splitlines() == [
        "campaign,model,conversions,revenue,cost,cpa,roas,roi,persons_touched,"
        "persons_converted,conversion_rate,currency",
        "spring,linear,1,100.0000,25.0000,25.0000,4.0000,3.0000,4,1,0.2500,EUR",
    ]
