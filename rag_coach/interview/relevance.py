"""Is this an answer to *this* question? Wrong-problem, template and other-company answers are not scored.

The screen before it (:mod:`rag_coach.interview.screening`) catches empty, mashed and plainly off-topic
answers by their cosine to the question. An answer to a *neighbouring* question (the two-sum solution
under a validate-BST question), a memorised template that fits every question of the round, or a story
framed around another company's values is close enough to pass that test, and the grader would score it
on whatever rubric words it happens to share. This check compares the answer with **every question of
the round in the bank**:

* ``own`` (shown, not a model input) — best cosine of the answer (or one of its paragraphs) to this
  question's prompt;
* ``margin`` — ``own`` minus the best cosine to any *other* question of the round, ignoring near
  copies of this one (question-to-question cosine ≥ ``NEAR_COPY``: the same problem at another company);
  an answer to another question scores below 0;
* ``z`` — how far ``own`` stands above the other questions' cosines, in standard deviations; a
  template is about as close to every question, so it scores low;
* ``bm25_margin`` and ``terms_margin`` — the same margin over the answer's *words*
  (:mod:`rag_coach.interview.lexical`): BM25 of the answer against each question's full bank text
  (prompt, rubric, hints, follow-ups), and the idf-weighted share of each prompt's terms the answer
  uses. Every story is close to every behavioral prompt in embedding space; the words of the
  competency asked ("disagreed", "deadline", "customer") and of the problem ("rotated", "interval")
  separate them better;
* ``foreign`` (shown, not a model input) — distinct principle names of *other* companies the answer
  cites minus this company's it cites (:mod:`rag_coach.interview.principles`).

An answer that cites more of another company's principles than of this company's (e.g. "Move Fast"
under an Amazon question) is refused by a deterministic rule, with a sentence naming that company.
Otherwise a logistic model per round (``relevance.json``, fitted by ``rag-coach eval relevance --write`` on the fit
half of genuine answers vs ``offtopic_answers.jsonl``, reported on the other half; rounds without
labelled rows use the pooled model ``*``) gives P(answers this question); below the threshold the
answer is not scored, with one sentence saying why.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from rag_coach.interview.lexical import RoundWords
from rag_coach.interview.principles import Citations, PrincipleIndex
from rag_coach.logistic import Logistic
from rag_coach.textsafety import one_line as _short

if TYPE_CHECKING:
    from rag_coach.documents.models import Question
    from rag_coach.index.embedding import Embedder
    from rag_coach.interview.questions import QuestionBank

FEATURES = ("margin", "z", "bm25_margin", "terms_margin")  # the model's inputs; "own" and "foreign" are shown beside
# them ("foreign" drives the other-company rule)
MARGINS = ("margin", "bm25_margin", "terms_margin")  # below 0: another question of the round fits the answer better
NEAR_COPY = 0.8  # another question this close to the asked one is the same problem, not a different one


Models = dict[str, Logistic]  # round -> model; "*" for rounds without their own


def load_models(text: str) -> Models:
    """Models from the JSON of ``relevance.json``."""
    return {rnd: Logistic.from_json(json.dumps(spec)) for rnd, spec in json.loads(text).items()}


def dump_models(models: Models) -> str:
    """The JSON written to ``relevance.json``."""
    return json.dumps({rnd: json.loads(m.to_json()) for rnd, m in models.items()}, indent=1) + "\n"


@lru_cache(maxsize=1)
def shipped_models() -> Models:
    """The fitted models shipped with the package."""
    return load_models(resources.files("rag_coach.interview").joinpath("relevance.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Relevance:
    """The verdict: ok (score it) or not, P(answers this question), the features and the reason shown."""

    ok: bool
    probability: float
    features: dict[str, float]
    reason: str = ""  # for the candidate, when not ok
    nearest_other: str | None = None  # id of the other question the answer is closest to
    other_company: str | None = None  # set when the other-company rule refused the answer

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "probability": round(self.probability, 4),
                "features": {k: round(v, 4) for k, v in self.features.items()}, "nearest_other": self.nearest_other,
                **({"other_company": self.other_company} if self.other_company else {})}


@dataclass(frozen=True)
class Measured:
    """What :meth:`RelevanceCheck.measure` finds: the features, the closest other question, the citations."""

    features: dict[str, float]
    nearest: str | None
    citations: Citations


class RelevanceCheck:
    """Question vectors per round are embedded once (the bank's prompts and rubrics) and reused."""

    def __init__(self, bank: QuestionBank, embedder: Embedder, models: Models | None = None) -> None:
        self.bank = bank
        self.embedder = embedder
        self.models = models
        self._round: dict[str, tuple[list[str], np.ndarray]] = {}
        self._principles: PrincipleIndex | None = None
        self._near_cache: dict[str, np.ndarray] = {}
        self._lexical: dict[str, RoundWords] = {}

    def _vectors(self, round: str) -> tuple[list[str], np.ndarray]:
        if round not in self._round:
            ids = sorted(q.id for q in self.bank.questions.values() if q.round == round)
            texts = [self.bank.questions[i].prompt for i in ids]  # prompts only: behavioral rubrics all look alike
            self._round[round] = (ids, self.embedder.embed_documents(texts) if texts else np.zeros((0, 1)))
        return self._round[round]

    @property
    def principles(self) -> PrincipleIndex:
        """Principle names per company from the bank's questions, built once."""
        if self._principles is None:
            by_company: dict[str, list[str]] = {}
            for q in self.bank.questions.values():
                by_company.setdefault(q.company, []).extend(q.principles)
            self._principles = PrincipleIndex(by_company)
        return self._principles

    def citations(self, question: Question, answer: str) -> Citations:
        """Principle names the answer cites, this company's and other companies' (the other-company rule)."""
        return self.principles.citations(question.company, answer)

    def _words(self, round: str) -> RoundWords:
        """BM25 and prompt-term weights over the round's questions, in the same order as :meth:`_vectors`."""
        if round not in self._lexical:
            ids, _ = self._vectors(round)
            self._lexical[round] = RoundWords([self.bank.questions[i] for i in ids])
        return self._lexical[round]

    def _near(self, round: str, qid: str) -> np.ndarray:
        """Cosines of this question's prompt to every prompt of its round (cached per question)."""
        if qid not in self._near_cache:
            ids, vectors = self._vectors(round)
            self._near_cache[qid] = vectors @ vectors[ids.index(qid)]
        return self._near_cache[qid]

    def measure(self, question: Question, answer: str) -> Measured:
        """The features, the closest other question and the citations (computed once, for :meth:`check`)."""
        ids, vectors = self._vectors(question.round)
        cited = self.citations(question, answer)
        foreign = float(max(0, cited.foreign_count - len(cited.own)))
        parts = [answer] + [p for p in re.split(r"\n\s*\n", answer) if len(p.split()) >= 8][:8]
        sims = (self.embedder.embed_documents(parts) @ vectors.T).max(axis=0) if len(ids) else np.zeros(0)
        if question.id not in ids:  # a question outside the bank's round (should not happen): neutral features
            own = float(sims.max()) if len(sims) else 0.0
            return Measured({"own": own, **dict.fromkeys(FEATURES, 0.0), "foreign": foreign}, None, cited)
        me = ids.index(question.id)
        near = self._near(question.round, question.id)
        others = [i for i in range(len(ids)) if i != me and near[i] < NEAR_COPY]
        feats = {"own": float(sims[me]), **dict.fromkeys(FEATURES, 0.0), "foreign": foreign}
        if not others:
            return Measured(feats, None, cited)
        words = self._words(question.round)
        closest: dict[str, str] = {}
        for name, scores in (("margin", sims), ("bm25_margin", words.bm25_scores(answer)),
                             ("terms_margin", words.term_scores(answer))):
            best = others[int(np.argmax(scores[others]))]
            feats[name] = float(scores[me] - scores[best])
            closest[name] = ids[best]
        # the embedding's closest other question, unless only the words point to another one
        nearest = next((closest[n] for n in MARGINS if feats[n] < 0), closest["margin"])
        other = sims[others]
        feats["z"] = (float(sims[me]) - float(other.mean())) / max(1e-6, float(other.std()))
        return Measured(feats, nearest, cited)

    def features(self, question: Question, answer: str) -> tuple[dict[str, float], str | None]:
        """The features and the closest other question (see :meth:`measure`)."""
        measured = self.measure(question, answer)
        return measured.features, measured.nearest

    def check(self, question: Question, answer: str) -> Relevance:
        models = self.models or shipped_models()
        model = models.get(question.round) or models["*"]
        measured = self.measure(question, answer)
        feats, nearest, cited = measured.features, measured.nearest, measured.citations
        p = model.probability(feats)
        if cited.refuses:
            return Relevance(False, p, feats, self._other_company_reason(question, cited), nearest, cited.main_company())
        if p >= model.threshold:
            return Relevance(True, p, feats, "", nearest)
        return Relevance(False, p, feats, self._reason(question, feats, nearest), nearest)

    def _other_company_reason(self, question: Question, cited: Citations) -> str:
        other = cited.main_company() or ""
        names = ", ".join(f'"{n}"' for n in cited.foreign.get(other, ())[:3])
        return (f"Your answer is framed around {self.bank.registry.company_name(other)}'s principles ({names}), "
                f"not {self.bank.registry.company_name(question.company)}'s, and does not answer this question "
                f"(\"{_short(question.prompt)}\"), so it was not scored: answer it with your own story, "
                "in this company's terms.")

    def _reason(self, question: Question, feats: dict[str, float], nearest: str | None) -> str:
        asked = _short(question.prompt)
        if nearest is not None and any(feats.get(n, 0.0) < 0 for n in MARGINS):
            other = _short(self.bank.questions[nearest].prompt, 70)
            return (f"Your answer seems to address a different question (\"{other}\") rather than this one "
                    f"(\"{asked}\"), so it was not scored: re-read the question and answer it.")
        return (f"Your answer reads like a general template that could follow any question; it does not engage with "
                f"this one (\"{asked}\"), so it was not scored. A strong answer covers, for example: "
                f"{question.rubric[0].rstrip('.')}.")
