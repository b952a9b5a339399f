"""Citation markers [n] in answers: find them, keep only those that point at a real passage."""

from __future__ import annotations

import re

CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def cited_numbers(text: str) -> list[int]:
    found: list[int] = []
    for match in CITATION.finditer(text):
        for part in match.group(1).split(","):
            n = int(part)
            if n not in found:
                found.append(n)
    return found


def clean_citations(text: str, passages: int) -> tuple[str, list[int], list[int]]:
    """Drop markers that point past the passage list. Returns (text, valid numbers used, invalid numbers dropped)."""
    invalid: list[int] = []

    def keep(match: re.Match[str]) -> str:
        numbers = [int(p) for p in match.group(1).split(",")]
        good = [n for n in numbers if 1 <= n <= passages]
        invalid.extend(n for n in numbers if n not in good)
        return "[" + ", ".join(map(str, good)) + "]" if good else ""

    cleaned = CITATION.sub(keep, text)
    return cleaned, [n for n in cited_numbers(cleaned) if 1 <= n <= passages], invalid
