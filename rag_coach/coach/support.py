"""Deterministic support of a claim by the evidence it cites (no model judge).

A sentence is *supported* by its cited text when
* every figure in it (amounts, percentages, counts, years) occurs in the cited text,
* every name or company term in it (a capitalised word that does not start the sentence, an acronym,
  a term in quotes) occurs in the cited text or in the question, and
* at least ``min_share`` (75 %) of its content words (stemmed, stopwords and coaching filler removed) occur
  in the cited text.

The same check guards the coach (an unsupported sentence never reaches the user as sourced) and scores
``eval answers`` as the strict citation validity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag_coach.coach.citations import CITATION, FIGURE, _digits
from rag_coach.retrieval.bm25 import tokenize

FILLER = frozenset(tokenize(
    "should make sure try also just really very good well way ways candidate candidates interview interviews interviewer "
    "answer answers question questions help helps want need use using like example examples expect expected thing things "
    "able important make sure keep focus consider remember know show shows tell think let lets get one first clearly "
    "specific specifically often usually typically may might must will can could would practice prepare preparing"
))
ENTITY = re.compile(r"\b[A-Z][a-zA-Z]+(?:[-'\u2019][A-Za-z]+)*\b|\b[A-Z]{2,}[a-z]?\b|\"[^\"]{2,40}\"")


@dataclass(frozen=True)
class Support:
    supported: bool
    missing_figures: tuple[str, ...] = ()
    missing_names: tuple[str, ...] = ()
    word_share: float = 1.0

    @property
    def reason(self) -> str:
        if self.missing_figures:
            return f"figures not in the evidence: {', '.join(self.missing_figures)}"
        if self.missing_names:
            return f"names not in the evidence: {', '.join(self.missing_names)}"
        if not self.supported:
            return f"only {self.word_share:.0%} of its content words are in the evidence"
        return "supported"


def normalise(text: str) -> str:
    """Lower case, straight quotes and dashes, single spaces: the form facts and names are matched in."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(text.replace("\u2013", "-").replace("\u2014", "-").split())


def figures(text: str) -> set[str]:
    return {_digits(f) for f in FIGURE.findall(CITATION.sub(" ", text))}


def names(text: str, known: tuple[str, ...] = ()) -> list[str]:
    """Names in ``text``: capitalised words that do not start a sentence, acronyms, quoted terms, and any
    of the ``known`` names (company names), wherever they stand."""
    found: list[str] = []
    clean = CITATION.sub(" ", text).strip()
    for match in ENTITY.finditer(clean):
        word = re.sub(r"['\u2019]s$", "", match.group(0).strip('"'))  # "Bloomberg's" names Bloomberg
        before = clean[: match.start()].rstrip()
        if (not before or before[-1] in ".!?:*-\u2022(") and not word.isupper():
            continue  # sentence-initial capital: an ordinary word as often as a name
        found.append(word)
    lowered = normalise(clean)
    found += [n for n in known if re.search(r"(?<![a-z0-9])" + re.escape(normalise(n)) + r"(?![a-z0-9])", lowered)]
    return found


def content_words(text: str) -> set[str]:
    return {t for t in tokenize(CITATION.sub(" ", text)) if t not in FILLER and not t.isdigit() and len(t) > 1}


STRICT_SHARE = 0.75


def check(claim: str, evidence: str, question: str = "", min_share: float = STRICT_SHARE, known_names: tuple[str, ...] = ()) -> Support:
    """Whether ``evidence`` (the cited text) supports ``claim``; see the module docstring."""
    known_figures = figures(evidence)
    missing_fig = tuple(sorted(f for f in figures(claim) if f not in known_figures))
    haystack = normalise(evidence) + " " + normalise(question)
    missing_names = tuple(dict.fromkeys(n for n in names(claim, known_names) if normalise(n) not in haystack))
    words = content_words(claim)
    share = len(words & content_words(evidence)) / len(words) if words else 1.0
    ok = not missing_fig and not missing_names and share >= min_share
    return Support(ok, missing_fig, missing_names, round(share, 3))
