"""Which CRM deal an event is about, named the same way by every service that reads it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_DEAL_KEY = 200


def deal_key(properties: Mapping[str, Any]) -> str | None:
    """``<crm>:<deal id>`` from the ``crm`` and ``deal_id`` properties the CRM integrations set
    (``crm:`` when the sender named no CRM); None when the event names no deal."""
    deal = properties.get("deal_id")
    if deal is None or isinstance(deal, bool) or str(deal).strip() == "":
        return None
    crm = str(properties.get("crm") or "crm").strip() or "crm"
    return f"{crm}:{str(deal).strip()}"[:MAX_DEAL_KEY]
