"""Which companies' stated principles does an answer *cite*? The deterministic other-company rule.

A story told for an Amazon question but framed around "Move Fast" and "Focus on Long-Term Impact" is
an answer for Meta: the grader should not score it as an Amazon answer. Matching principle names as
plain words is noisy ("we had to move fast", "privacy", "trust" occur in ordinary stories), so a name
counts as **cited** only when it is written the way a value is named:

* in quotes, any case (``'Move fast'``); or
* with the bank's capitalisation (``Freedom and responsibility``), either with two or more
  capitalised words (``Bias for Action``) or not at the start of a sentence (``a culture of Candor``,
  not ``Leadership was happy``).

A name is *foreign* to a question's company when another company of the bank lists it and the
question's company does not list it or a name sharing a content-word stem with it ("Customer
obsessed" is not foreign to Amazon's "Customer Obsession"). Questions of the company-neutral
``general`` bank have no company to be foreign to: the rule does not apply to them.

The rule refuses an answer that cites at least ``MIN_FOREIGN`` foreign names and more foreign names
than names of the question's own company.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

MIN_FOREIGN = 1  # distinct foreign principle names an answer must cite before the rule can refuse it
STEM_CHARS = 5  # content words sharing this many leading letters count as the same stem
MIN_STEM_WORD = 4  # shorter words ("we", "are", "the", "be") are not content words
STOP_WORDS = frozenset({"with", "from", "that", "this", "your", "their", "what", "have"})
SENTENCE_END = ".!?:;\n\"'“”‘’(-–—"  # a name right after one of these (or at the start) begins a sentence
QUOTES = "'\"‘’“”"
NEUTRAL_COMPANY = "general"


def _stems(name: str) -> frozenset[str]:
    """Leading letters of the content words of a principle name ("Customer Obsession" -> custo, obses)."""
    words = re.findall(r"[a-z]+", name.lower())
    return frozenset(w[:STEM_CHARS] for w in words if len(w) >= MIN_STEM_WORD and w not in STOP_WORDS)


def cites(name: str, text: str) -> bool:
    """True when ``text`` names the principle ``name`` as a value (quoted, or capitalised as the bank writes it)."""
    quoted = rf"[{QUOTES}]\s*{re.escape(name)}\s*[.,!?]?[{QUOTES}]"
    if re.search(quoted, text, flags=re.IGNORECASE):
        return True
    capitals = sum(word[:1].isupper() for word in name.split())
    for match in re.finditer(rf"(?<![\w']){re.escape(name)}(?![\w'])", text):
        before = text[: match.start()].rstrip()
        if capitals >= 2 or (before and before[-1] not in SENTENCE_END):
            return True
    return False


@dataclass(frozen=True)
class Citations:
    """What an answer cites: this company's principle names, and other companies' by company."""

    own: tuple[str, ...] = ()
    foreign: dict[str, tuple[str, ...]] = field(default_factory=dict)  # company -> cited names

    @property
    def foreign_count(self) -> int:
        """Distinct foreign names cited."""
        return len({n for names in self.foreign.values() for n in names})

    @property
    def refuses(self) -> bool:
        """The other-company rule: enough foreign names, and more of them than of this company's."""
        return self.foreign_count >= MIN_FOREIGN and self.foreign_count > len(self.own)

    def main_company(self) -> str | None:
        """The other company the answer cites most (ties: alphabetical), or None."""
        if not self.foreign:
            return None
        return sorted(self.foreign, key=lambda c: (-len(self.foreign[c]), c))[0]


class PrincipleIndex:
    """Principle names per company, from the bank's ``principles`` fields."""

    def __init__(self, by_company: dict[str, Iterable[str]]) -> None:
        self.by_company = {c: tuple(sorted(set(names))) for c, names in by_company.items() if c != NEUTRAL_COMPANY}

    def citations(self, company: str, text: str) -> Citations:
        """The names ``text`` cites, split into ``company``'s own and foreign ones (none for ``general``)."""
        if company == NEUTRAL_COMPANY:
            return Citations()
        own_names = self.by_company.get(company, ())
        own_lower = {n.lower() for n in own_names}
        own_stems = frozenset().union(*(_stems(n) for n in own_names)) if own_names else frozenset()
        own = tuple(n for n in own_names if cites(n, text))
        foreign: dict[str, tuple[str, ...]] = {}
        for other, names in self.by_company.items():
            if other == company:
                continue
            hits = tuple(n for n in names
                         if n.lower() not in own_lower and not (_stems(n) & own_stems) and cites(n, text))
            if hits:
                foreign[other] = hits
        return Citations(own, foreign)
