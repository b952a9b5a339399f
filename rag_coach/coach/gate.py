"""Answerability gate: before anything is written, decide in code whether the evidence answers *this* question.

Features (all deterministic, from retrieval and the selected evidence):
* ``best_cosine`` — embedding cosine of the best evidence item to the question;
* ``coverage`` — share of the question's focus words (content words minus company, round and
  coaching filler words) that occur in the evidence, as the same stem or as a word whose embedding
  is at least ``SOFT_MATCH`` similar ("decide" ~ "decision");
* ``missing`` — how many focus words occur in no evidence item ("salary", "visa", "headcount");
* ``type_gap`` — 1 when the question asks for a kind of answer that no evidence sentence holds
  (:func:`type_gaps`): a percentage or rate (evidence without a percentage or proportion), a count
  ("how many", evidence without a number), a pay amount (evidence without a currency figure), a point in
  time ("right now", "last week", "2026", "unreleased": evidence without that time reference) or a
  person's identity ("name of", "who will", "who is my": evidence without a name the question does not
  already hold). Answer-type checking as in classic QA: the candidate's in-domain unanswerables are
  mostly of these kinds (pay, named interviewers, recent questions, pass rates, headcount);
* ``top_dense`` — the retriever's dense score of the first passage.

A logistic model over the standardised features gives P(answerable); its weights and threshold are
fitted by ``rag-coach eval gate --write`` on the *fit* half of the labelled sets (answerable coaching
questions vs in-domain unanswerables) and reported on the other half; they live in ``gate.json``.

Optionally a second model adds the model's calibrated P(yes) "does this evidence answer the question?"
(``evidence_lift``, :mod:`rag_coach.coach.answerability`). It is used only when its fitted weights ship
as ``gate_check.json`` (``eval gate --check`` measures it; it is adopted only if the report half
improves) and the backend gives a probability; otherwise the deterministic model above decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from rag_coach import logistic
from rag_coach.coach.evidence import EvidenceItem
from rag_coach.coach.support import content_words, figures, names
from rag_coach.logistic import Logistic
from rag_coach.retrieval.bm25 import tokenize
from rag_coach.retrieval.retriever import Hit

FEATURES = ("best_cosine", "coverage", "missing", "type_gap", "top_dense")
# what a question asks for -> what the evidence must hold to answer it (see ``type_gaps``)
ASKS_SHARE = re.compile(r"\b(?:percent(?:age)?|(?:pass|offer|success|acceptance|hire|hiring|rejection) rates?|odds|"
                        r"chances? (?:of|that|to)|what are (?:my|the) chances|how likely|proportion|fraction)\b", re.I)
HAS_SHARE = re.compile(r"%|\bpercent|\b(?:one|1) (?:in|out of) (?:\d+|[a-z]+)\b|\b(?:half|third|quarter|majority|most)\b", re.I)
ASKS_COUNT = re.compile(r"\bhow many\b|\bnumber of\b|\bheadcount\b", re.I)
NUMBER_WORD = re.compile(r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|sixteen|twenty|"
                         r"thirty|dozen|half|third)\b", re.I)
ASKS_PAY = re.compile(r"(?=.*\b(?:how much|what (?:is|are|'s) the|range|band|figure|numbers?)\b).*\b(?:salar(?:y|ies)|pay|paid|"
                      r"compensation|bonus\w*|rsus?|equity|earn\w*|vesting)\b", re.I | re.S)
HAS_MONEY = re.compile(r"[$€£¥]\s?\d|\b\d[\d,.]*\s?(?:k|usd|eur|gbp|dollars?)\b", re.I)
ASKS_TIME = re.compile(r"\b(?:right now|currently|this (?:week|month|year|quarter)|(?:last|past) (?:week|month|year|quarter)|"
                       r"latest|upcoming|unreleased|20\d\d)\b", re.I)
ASKS_NAME = re.compile(r"\b(?:names? of|what is the name|who (?:will|is my|are my)|who is the \w+(?: \w+)? (?:for|on|of)|"
                       r"which (?:person|people|interviewer|recruiter))\b", re.I)
GENERIC = frozenset(tokenize("company companies team teams role roles job jobs loop loops onsite round rounds level levels "
                             "engineer engineers software sde swe senior new grad hire hiring process offer after before "
                             "whether during about any some more most much also each every other get got going actually "
                             "exactly look looks looking mean means"))
SOFT_MATCH = 0.7  # a focus word counts as covered by an evidence word this similar (embedding cosine)
WORD = re.compile(r"[a-z][a-z0-9+#]+")


@dataclass(frozen=True)
class GateDecision:
    answerable: bool
    probability: float
    threshold: float
    features: dict[str, float]
    missing_words: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"answerable": self.answerable, "probability": round(self.probability, 4), "threshold": self.threshold,
                "features": {k: round(v, 4) for k, v in self.features.items()}, "missing_words": list(self.missing_words)}


def focus_words(question: str, ignore: set[str]) -> set[str]:
    return {w for w in content_words(question) if w not in GENERIC and w not in ignore and len(w) > 1}


def _surface(text: str) -> dict[str, str]:
    """Stem -> one surface word of ``text`` (for embedding words, which stems are not)."""
    out: dict[str, str] = {}
    for word in WORD.findall(text.lower()):
        stems = tokenize(word)
        if stems:
            out.setdefault(stems[0], word)
    return out


def uncovered(focus: set[str], question: str, evidence_text: str, embed=None) -> tuple[str, ...]:
    """Focus stems found in no evidence word, exactly or (with ``embed``) as a close synonym."""
    have = content_words(evidence_text)
    missing = sorted(focus - have)
    if not missing or embed is None:
        return tuple(missing)
    asked = _surface(question)
    words = [asked.get(m, m) for m in missing]
    pool = sorted({w for st, w in _surface(evidence_text).items() if st in have})
    if not pool:
        return tuple(missing)
    vectors = embed(words + pool)
    sims = vectors[: len(words)] @ vectors[len(words):].T
    return tuple(m for m, row in zip(missing, sims) if float(row.max()) < SOFT_MATCH)


def type_gaps(question: str, evidence_text: str, ignore: set[str] = frozenset()) -> tuple[str, ...]:
    """The kinds of answer ``question`` asks for that ``evidence_text`` does not hold (see the module docstring).
    ``ignore``: stems of the company and round names, which never answer a "who"/"name of" question."""
    gaps = []
    if ASKS_SHARE.search(question) and not HAS_SHARE.search(evidence_text):
        gaps.append("share")
    if ASKS_COUNT.search(question) and not (figures(evidence_text) or NUMBER_WORD.search(evidence_text)):
        gaps.append("count")
    if ASKS_PAY.search(question) and not HAS_MONEY.search(evidence_text):
        gaps.append("pay")
    when = ASKS_TIME.search(question)
    if when and not re.search(r"(?<![a-z0-9])" + re.escape(when.group(0).lower()) + r"(?![a-z0-9])", evidence_text.lower()):
        gaps.append("time")
    if ASKS_NAME.search(question):
        asked = {n.lower() for n in names(question)}
        if not [n for n in names(evidence_text) if n.lower() not in asked and not set(tokenize(n)) <= ignore]:
            gaps.append("name")
    return tuple(gaps)


def features(question: str, evidence: list[EvidenceItem], hits: list[Hit], ignore: set[str],
             embed=None) -> tuple[dict[str, float], tuple[str, ...]]:
    focus = focus_words(question, ignore)
    missing_stems = uncovered(focus, question, " ".join(it.text for it in evidence), embed)
    asked = _surface(question)
    missing = tuple(asked.get(m, m) for m in missing_stems)  # as the candidate wrote them, for the refusal text
    return {
        "best_cosine": max((it.cosine for it in evidence), default=0.0),
        "coverage": (len(focus) - len(missing)) / len(focus) if focus else 1.0,
        "missing": float(len(missing)),
        "type_gap": 1.0 if type_gaps(question, " ".join(it.text for it in evidence), ignore) else 0.0,
        "top_dense": float(hits[0].dense_score or 0.0) if hits else 0.0,
    }, missing


class GateModel(Logistic):
    """The fitted gate: :class:`~rag_coach.logistic.Logistic` over :data:`FEATURES`."""

    def __init__(self, weights: tuple[float, ...], bias: float, means: tuple[float, ...], scales: tuple[float, ...],
                 threshold: float, fitted_on: str = "", features: tuple[str, ...] = FEATURES) -> None:
        super().__init__(tuple(features), tuple(weights), bias, tuple(means), tuple(scales), threshold, fitted_on)

    @classmethod
    def load(cls, path: Path | None = None) -> GateModel:
        text = path.read_text(encoding="utf-8") if path else resources.files("rag_coach.coach").joinpath("gate.json").read_text(encoding="utf-8")
        m = Logistic.from_json(text)
        return cls(m.weights, m.bias, m.means, m.scales, m.threshold, m.fitted_on, m.features)

    def decide(self, question: str, evidence: list[EvidenceItem], hits: list[Hit], ignore: set[str],
               embed=None) -> GateDecision:
        if not evidence:
            return GateDecision(False, 0.0, self.threshold, dict.fromkeys(FEATURES, 0.0))
        feats, missing = features(question, evidence, hits, ignore, embed)
        p = self.probability(feats)
        return GateDecision(p >= self.threshold, p, self.threshold, feats, missing)

    def redecide(self, decision: GateDecision, extra: dict[str, float]) -> GateDecision:
        """The decision of this (checked) model from a deterministic decision's features plus ``extra``."""
        feats = {**decision.features, **extra}
        p = self.probability(feats)
        return GateDecision(p >= self.threshold, p, self.threshold, feats, decision.missing_words)


CHECKED = "gate_check.json"  # the gate with the evidence check; shipped only once it has paid on the report half


def load_checked(path: Path | None = None) -> GateModel | None:
    """The gate with ``evidence_lift``, or None where none ships (then no check is asked)."""
    source = path if path is not None else resources.files("rag_coach.coach").joinpath(CHECKED)
    return GateModel.load(Path(str(source))) if source.is_file() else None


ANSWER_WEIGHT = 1.5  # refusing an answerable question costs more than answering an unanswerable one from
# evidence: the answer can only quote or paraphrase cited sentences, so it cannot invent the missing fact


def fit(rows: list[dict[str, float]], labels: list[int], l2: float = 0.1, steps: int = 3000, lr: float = 0.1,
        features: tuple[str, ...] = FEATURES) -> GateModel:
    """Logistic regression on the standardised features; the threshold maximises the answered rate
    (weight ``ANSWER_WEIGHT``) plus the refusal rate on ``rows`` (ties: the lower threshold)."""
    m = logistic.fit(rows, labels, features, l2=l2, steps=steps, lr=lr)
    probs = [m.probability(r) for r in rows]
    threshold = logistic.best_threshold(probs, lambda t: balanced_accuracy(probs, labels, t, ANSWER_WEIGHT))
    return GateModel(m.weights, m.bias, m.means, m.scales, round(float(threshold), 6), features=tuple(features))


def balanced_accuracy(probs: list[float], labels: list[int], threshold: float, answer_weight: float = 1.0) -> float:
    """Weighted mean of the answered rate on answerable rows and the refusal rate on unanswerable ones."""
    pos = [p >= threshold for p, y in zip(probs, labels) if y == 1]
    neg = [p < threshold for p, y in zip(probs, labels) if y == 0]
    return (answer_weight * sum(pos) / max(1, len(pos)) + sum(neg) / max(1, len(neg))) / (answer_weight + 1)
