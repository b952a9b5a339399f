"""Which catalog mistakes an answer makes, decided in code from calibrated checks (never the model's text).

1. **Shortlist.** The question's linked mistakes (``mistake_ids``) first, then the other mistakes of
   its topic area and of the round's general areas, ranked by embedding similarity between the answer
   and the mistake ("how to spot it"), up to ``interview.mistake_shortlist``.
2. **Check.** For each shortlisted mistake the grader asks, on the shared prompt prefix, "Does the
   answer make this mistake?" and reads P(yes); the same check is asked for the content-free answer
   (contextual calibration, as for rubric items: :mod:`rag_coach.interview.scoring`).
3. **Decide.** A logistic model (``mistakes.json``, fitted by ``rag-coach eval feedback --write-mistakes``
   on the fit half of the labelled answers) combines

   * ``lift`` — logit P(yes | answer) − logit P(yes | content-free answer);
   * ``gap`` — the mistake is about a rubric item the answer did not show: the largest
     similarity(mistake, rubric item) × (1 − the item's credit);
   * ``answer_sim`` — cosine of the answer to the mistake's description (a wrong answer often *describes*
     the mistake: "compare each node with its children");
   * ``linked`` — 1 for the question's own linked mistakes.

   Mistakes are ranked by that probability; those at or above the threshold are reported, best first,
   at most ``MAX_REPORTED``. Their text in the feedback is the catalog's own, never the model's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from rag_coach.logistic import Logistic

if TYPE_CHECKING:
    from rag_coach.documents.models import Mistake, Question
    from rag_coach.interview.questions import QuestionBank

FEATURES = ("lift", "gap", "answer_sim", "linked")
POOL = 16  # mistakes considered before the embedding ranking cuts the shortlist
MAX_REPORTED = 3
CHECK = "\n\nMistake: {text}\nDoes the answer make this mistake? Reply yes or no."
Embed = Callable[[list[str]], np.ndarray]


def check_text(mistake: Mistake) -> str:
    """The mistake as the check states it: title and the first sentence of "how to spot it" (short)."""
    spot = " ".join(mistake.spot.split())
    first = spot.split(". ")[0].rstrip(".")
    text = f"{mistake.title.rstrip('.')}. Sign: {first}."
    return text if len(text) <= 240 else text[:239].rsplit(" ", 1)[0] + "…"


@lru_cache(maxsize=1)
def shipped_model() -> Logistic:
    return Logistic.from_json(resources.files("rag_coach.interview").joinpath("mistakes.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class MistakeCheck:
    id: str
    p_yes: float
    p_null: float
    features: dict[str, float]
    probability: float = 0.0
    matched: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "p_yes": round(self.p_yes, 4), "p_null": round(self.p_null, 4),
                "features": {k: round(v, 4) for k, v in self.features.items()},
                "probability": round(self.probability, 4), "matched": self.matched}


@dataclass
class MistakeVerdict:
    checks: list[MistakeCheck] = field(default_factory=list)  # best first

    @property
    def matched(self) -> list[str]:
        return [c.id for c in self.checks if c.matched][:MAX_REPORTED]

    def ranked(self) -> list[str]:
        return [c.id for c in self.checks]


def _logit(p: float) -> float:
    p = min(1 - 1e-6, max(1e-6, p))
    return math.log(p / (1 - p))


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


def pool(bank: QuestionBank, question: Question, limit: int = POOL) -> list[Mistake]:
    """Every mistake a shortlist of ``limit`` can pick for ``question``: the linked ones first, then the rest
    of its area pool in the bank's order (the content-free checks of these are what grading can ask)."""
    candidates = bank.candidate_mistakes(question, max(POOL, limit))
    return sorted(candidates, key=lambda m: m.id not in question.mistake_ids)  # stable


def shortlist(bank: QuestionBank, question: Question, answer: str, limit: int, embed: Embed | None) -> list[Mistake]:
    """Linked mistakes first, then the rest of the area pool by similarity to the answer."""
    candidates = pool(bank, question, limit)
    linked = [m for m in candidates if m.id in question.mistake_ids]
    rest = [m for m in candidates if m.id not in question.mistake_ids]
    if embed is not None and rest and answer.strip():
        vectors = _unit(embed([answer, *[f"{m.title}. {m.spot}" for m in rest]]))
        sims = vectors[1:] @ vectors[0]
        rest = [rest[i] for i in np.argsort(-sims, kind="stable")]
    return (linked + rest)[:limit]


def features(mistakes: Sequence[Mistake], question: Question, answer: str, item_credit: Sequence[float],
             p_yes: Sequence[float], p_null: Sequence[float], embed: Embed | None) -> list[dict[str, float]]:
    """The decision features of each mistake (see the module docstring)."""
    texts = [f"{m.title}. {m.spot}" for m in mistakes]
    if embed is not None and mistakes:
        vectors = _unit(embed([*texts, *question.rubric, answer or " "]))
        m_vec, r_vec, a_vec = vectors[: len(texts)], vectors[len(texts): -1], vectors[-1]
        item_sim = m_vec @ r_vec.T if len(question.rubric) else np.zeros((len(texts), 0))
        answer_sim = m_vec @ a_vec
    else:
        words = lambda t: {w for w in t.lower().split() if len(w) > 3}  # noqa: E731
        jac = lambda a, b: len(words(a) & words(b)) / max(1, len(words(a) | words(b)))  # noqa: E731
        item_sim = np.array([[jac(t, r) for r in question.rubric] for t in texts]).reshape(len(texts), len(question.rubric))
        answer_sim = np.array([jac(t, answer) for t in texts])
    missing = np.array([1.0 - c for c in item_credit]) if item_credit else np.zeros(0)
    out = []
    for i, mistake in enumerate(mistakes):
        gap = float(np.max(item_sim[i] * missing)) if missing.size else 0.0
        out.append({"lift": _logit(p_yes[i]) - _logit(p_null[i]), "gap": gap, "answer_sim": float(answer_sim[i]),
                    "linked": 1.0 if mistake.id in question.mistake_ids else 0.0})
    return out


def decide(mistakes: Sequence[Mistake], feats: Sequence[dict[str, float]], p_yes: Sequence[float], p_null: Sequence[float],
           model: Logistic | None = None) -> MistakeVerdict:
    model = model or shipped_model()
    checks = []
    for mistake, f, p, p0 in zip(mistakes, feats, p_yes, p_null):
        prob = model.probability(f)
        checks.append(MistakeCheck(mistake.id, p, p0, f, prob, prob >= model.threshold))
    checks.sort(key=lambda c: -c.probability)
    return MistakeVerdict(checks)
