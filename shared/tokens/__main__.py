"""``python -m shared.tokens create|list|revoke|seed-demo`` (see ``shared/tokens/cli.py``)."""

from __future__ import annotations

import asyncio
import sys

from shared.tokens.cli import TokenCliSettings, run

if __name__ == "__main__":
    settings = TokenCliSettings()
    sys.exit(asyncio.run(run(sys.argv[1:], settings.database, demo_token=settings.demo_token)))
