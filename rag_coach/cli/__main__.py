"""`python -m rag_coach.cli`: the same as the `rag-coach` command."""

from __future__ import annotations

import sys

from rag_coach.cli import main

if __name__ == "__main__":
    sys.exit(main())
