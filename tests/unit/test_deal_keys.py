"""A deal is named alike by the sessionizer (won) and the attribution (lost)."""

from __future__ import annotations

from services.sessionizer.touchpoints import EventRoles, conversion_of
from shared.deals import deal_key
from tests.factories import event


def test_a_deal_key_is_the_crm_and_its_deal_id() -> None:
    assert deal_key({"crm": "hubspot", "deal_id": "42"}) == "hubspot:42"
    assert deal_key({"deal_id": 7}) == "crm:7"
    assert deal_key({"crm": "hubspot"}) is None
    assert deal_key({"deal_id": " "}) is None


def test_the_sessionizer_gives_a_won_deals_conversion_its_deal_key() -> None:
    roles = EventRoles(frozenset(), frozenset(), {"Deal Won": "won", "Order Completed": "purchase"})
    won = event(type="track", name="Deal Won", properties={"crm": "pipedrive", "deal_id": 4711})
    order = event(type="track", name="Order Completed", properties={"revenue": 3})
    assert conversion_of(won, "p", roles).deal_id == "pipedrive:4711"  # type: ignore[union-attr]
    assert conversion_of(order, "p", roles).deal_id is None  # type: ignore[union-attr]
