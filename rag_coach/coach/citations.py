"""Citation markers [n] and figures in text (shared by the support check and the answer metrics)."""

from __future__ import annotations

import re

CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
# A marker as answers place it: at the end of a claim (before punctuation, another marker, a line end or the
# end). "[1, 2, 1, 3] gives 1" inside quoted evidence is a list literal, not a citation.
MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\](?=\s*(?:[.!?;,:)]|\[|\n|$))")


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


# A figure: a number of 2+ digits (1,000 / 18.5 / 2024), or any number with a currency sign or a percent.
FIGURE = re.compile(r"[$€£]\s?\d+(?:[.,]\d+)*|\b\d+(?:[.,]\d+)*\s?%|\b\d+(?:[.,]\d+)+\b|\b\d{2,}\b")


def _digits(figure: str) -> str:
    """The figure's digits without thousands separators: "$100,000" -> "100000", "18.5%" -> "18.5"."""
    number = re.sub(r"[^\d.,]", "", figure).strip(".,")
    return number.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", number) else number
