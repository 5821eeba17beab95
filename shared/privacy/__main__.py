"""``python -m shared.privacy``: see shared/privacy/cli.py."""

from __future__ import annotations

import sys

from shared.privacy.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
