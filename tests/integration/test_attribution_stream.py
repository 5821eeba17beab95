"""The attribution handlers on the real database: idempotent, exact, CRM stages as stages."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.events import Conversion, Touchpoint
from tests.attribution_fixtures import (
    Attribution,
    at,
    conversion,
    deal_lost,
    options,
    touch,
)
from tests.attribution_state import counts, rebuilt_counts
from tests.integration.test_handlers_idempotent import snapshot

JOURNEY: list[Touchpoint | Conversion] = [
    touch("t1", "p1", 0, campaign="spring", source="google", medium="cpc"),
    touch("t2", "p1", 3, channel="email", campaign="news", source="newsletter", medium="email"),
    touch("t3", "p1", 5, channel="direct"),
    conversion("c1", "p1", 6, revenue="99.99"),
    touch("t4", "p2", 1, channel="display", campaign="banner"),
    touch("t5", "p2", 2, channel="email", campaign="news"),
]


async def test_a_redelivered_batch_changes_nothing_and_emits_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    attribution = Attribution(sessions, options())
    first = await attribution.journeys(JOURNEY)
    assert first, "the first delivery credits the conversion"
    before = await snapshot(sessions, "attribution")
    assert await attribution.journeys(JOURNEY) == []
    assert await snapshot(sessions, "attribution") == before


async def test_under_every_model_each_conversions_credits_sum_to_one_and_its_revenue(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    attribution = Attribution(sessions, options())
    await attribution.journeys(JOURNEY)
    await attribution.journeys([conversion("c2", "p2", 4, revenue="10", currency="USD")])
    async with sessions() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT c.outcome_id, c.model, sum(c.weight), sum(c.revenue), o.revenue "
                    "FROM attribution.credits c JOIN attribution.outcomes o USING (outcome_id) "
                    "GROUP BY 1, 2, 5"
                )
            )
        ).all()
    assert len(rows) == 2 * 10
    assert {(weight, revenue == total) for _, _, weight, revenue, total in rows} == {
        (Decimal("1.000000"), True)
    }


async def test_a_late_touchpoint_restates_the_conversion_and_retracts_what_it_no_longer_gets(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    attribution = Attribution(sessions, options(models=["last_touch", "first_touch"]))
    await attribution.journeys([touch("t2", "p1", 3, channel="email"), conversion("c1", "p1", 6)])
    restated = await attribution.journeys([touch("t1", "p1", 1, channel="paid_search")])
    first = [(c.touchpoint_id, c.weight, c.retracted, c.version) for c in restated]
    assert sorted(first) == [("t1", Decimal("1.000000"), False, 2), ("t2", Decimal(0), True, 2)]
    assert {c.model for c in restated} == {"first_touch"}  # last touch is still t2


async def test_crm_stages_mark_the_journey_and_never_take_credit_as_a_channel(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    attribution = Attribution(sessions, options())
    await attribution.journeys(
        [
            touch("t1", "p1", 0, channel="paid_search"),
            touch("lead", "p1", 1, channel="crm", touch_type="Lead Created"),
            touch("t2", "p1", 2, channel="email"),
            touch("opp", "p1", 3, channel="crm", touch_type="Opportunity Created"),
            touch("t3", "p1", 4, channel="direct"),
            conversion("won", "p1", 5, stage="won", deal="hubspot:9", revenue="5000"),
        ]
    )
    async with sessions() as session:
        credited = set(
            (
                await session.execute(text("SELECT DISTINCT channel FROM attribution.credits"))
            ).scalars()
        )
        stages = (
            await session.execute(
                text(
                    "SELECT lead_created, opportunity_created, deal_closed "
                    "FROM attribution.outcomes"
                )
            )
        ).one()
        w_shaped: dict[str, Decimal] = dict(
            (
                await session.execute(
                    text(
                        "SELECT touchpoint_id, weight FROM attribution.credits "
                        "WHERE model = 'w_shaped'"
                    )
                )
            ).all()
        )
    assert "crm" not in credited
    assert tuple(stages) == (at(1), at(3), at(5))
    # FT t1; LC (last touch at or before the lead) t1 too; OC t2: the W stops at OC.
    assert w_shaped == {"t1": Decimal("0.666667"), "t2": Decimal("0.333333")}


async def test_a_deal_is_keyed_by_the_deal_restated_by_an_amount_and_retracted_when_lost(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    attribution = Attribution(sessions, options(models=["last_touch"]))
    won = await attribution.journeys(
        [
            touch("t1", "p1", 0, campaign="spring"),
            conversion("w1", "p1", 2, stage="won", deal="hubspot:9", revenue="1000"),
        ]
    )
    [credit] = won
    amended = await attribution.journeys(
        [conversion("w2", "p1", 3, stage="won", deal="hubspot:9", revenue="1200")]
    )
    assert [(c.conversion_id, c.revenue, c.version) for c in amended] == [
        (credit.conversion_id, Decimal("1200.0000"), 2)
    ]
    lost = await attribution.raw([deal_lost("l1", "hubspot:9", 4)])
    assert [(c.conversion_id, c.retracted, c.version) for c in lost] == [
        (credit.conversion_id, True, 3)
    ]
    assert await attribution.raw([deal_lost("l1", "hubspot:9", 4)]) == []
    rewon = await attribution.journeys(
        [conversion("w3", "p1", 6, stage="won", deal="hubspot:9", revenue="900")]
    )
    assert [(c.revenue, c.converted_at, c.retracted) for c in rewon] == [
        (Decimal("900.0000"), at(6), False)
    ]


async def test_a_merge_moves_a_persons_conversions_and_keeps_their_deal(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    attribution = Attribution(sessions, options(models=["linear"]))
    await attribution.journeys(
        [
            touch("t1", "anon", 0, channel="display"),
            conversion("w1", "anon", 2, stage="won", deal="crm:1"),
            touch("t2", "user", 1, channel="email"),
        ]
    )
    # The sessionizer re-keys the absorbed person's records; its copy carries no deal key.
    moved = await attribution.journeys(
        [
            touch("t1", "user", 0, channel="display", version=2),
            conversion("w1", "user", 2, stage="won", deal=None, version=2),
        ]
    )
    assert {(c.touchpoint_id, c.weight, c.person_id) for c in moved if not c.retracted} == {
        ("t1", Decimal("0.500000"), "user"),
        ("t2", Decimal("0.500000"), "user"),
    }
    async with sessions() as session:
        deal = (await session.execute(text("SELECT deal_id FROM attribution.conversions"))).scalar()
        persons = (
            await session.execute(text("SELECT person_id FROM attribution.persons"))
        ).scalars()
        assert (deal, sorted(persons)) == ("crm:1", ["user"])


async def test_fitted_counts_after_adding_and_subtracting_equal_counts_rebuilt_from_the_paths(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    attribution = Attribution(sessions, options(), now=at(40))
    await attribution.journeys(JOURNEY)
    await attribution.journeys([touch("t0", "p1", -2, channel="social")])  # late
    await attribution.journeys([touch("t3", "p1", 5, channel="direct", retracted=True, version=2)])
    await attribution.journeys([touch("t4", "p1", 1, channel="display", version=2)])  # merge
    await attribution.journeys([conversion("c2", "p2", 3)])
    await attribution.journeys([touch("t6", "p3", 0, channel="social"), touch("t7", "p4", 20)])
    lineup = attribution.restater.lineup
    stored = await counts(sessions)
    assert stored == await rebuilt_counts(sessions, lineup, now=at(40))
    assert sum(nulls for _, nulls in stored.values()) > 0  # p3's path is final, p4's pending


async def test_a_path_without_conversion_becomes_non_converting_once_its_lookback_has_passed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    early = Attribution(sessions, options(models=["markov"]), now=at(10))
    await early.journeys([touch("t1", "p1", 0, channel="display")])
    assert await counts(sessions) == {}
    assert await early.job("null-paths") == []
    late = Attribution(sessions, options(models=["markov"]), now=at(31))
    await late.job("null-paths")
    markov = late.restater.lineup.keys["markov"]
    assert await counts(sessions) == {
        (markov, "(start)\x1fdisplay"): (0, 1),
        (markov, "display\x1f(null)"): (0, 1),
    }
    before = await snapshot(sessions, "attribution")
    assert await late.job("null-paths") == []
    assert await snapshot(sessions, "attribution") == before
