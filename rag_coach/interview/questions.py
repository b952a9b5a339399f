"""The question bank and mistake catalogs, read straight from the corpus files (not from the index).

Mock interviews only ever ask questions that are in a bank: the model never invents one.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rag_coach.documents.loader import cross_check, load_corpus
from rag_coach.documents.models import Mistake, Question
from rag_coach.documents.registry import Registry, load_registry
from rag_coach.settings import Settings

log = logging.getLogger(__name__)

GENERAL = "general"
# Mistake areas worth offering the grader for every question of a round, besides the question's own areas.
ROUND_AREAS: dict[str, tuple[str, ...]] = {
    "coding": ("communication",),
    "system_design": ("system_design",),
    "behavioral": ("behavioral",),
    "product": ("communication",),
    "ml_design": ("system_design",),
}


class QuestionBankError(LookupError):
    """An unknown question/mistake id, or no question matches the requested filters."""


@dataclass
class QuestionBank:
    registry: Registry
    questions: dict[str, Question] = field(default_factory=dict)
    mistakes: dict[str, Mistake] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # corpus files that could not be loaded

    @classmethod
    def load(cls, settings: Settings) -> QuestionBank:
        registry = load_registry(settings.corpus_dir)
        docs, problems = load_corpus(settings.corpus_dir, registry, settings.max_file_bytes)
        problems += cross_check(docs)
        for problem in problems:
            log.warning("question bank: %s", problem)
        bank = cls(registry, problems=[str(p) for p in problems])
        for doc in docs:
            for m in doc.mistakes:
                bank.mistakes.setdefault(m.id, m)
            for q in doc.questions:
                bank.questions.setdefault(q.id, q)
        log.info("question bank: %d questions, %d mistakes", len(bank.questions), len(bank.mistakes))
        return bank

    def get(self, qid: str) -> Question:
        try:
            return self.questions[qid]
        except KeyError:
            raise QuestionBankError(f"no question with id '{qid}' in the question banks") from None

    def mistake(self, mid: str) -> Mistake | None:
        return self.mistakes.get(mid)

    def filter(self, company: str, round: str, difficulty: str | None = None, topic: str | None = None) -> list[Question]:
        """The company's own questions of this round plus the `general` ones, sorted by id."""
        companies = {company, GENERAL}
        found = [
            q
            for q in self.questions.values()
            if q.company in companies
            and q.round == round
            and (difficulty is None or q.difficulty == difficulty)
            and (topic is None or q.topic == topic)
        ]
        return sorted(found, key=lambda q: (q.company == GENERAL, q.id))

    def topics(self, round: str) -> list[str]:
        """Topics of a round that have at least one question, in registry order."""
        used = {q.topic for q in self.questions.values() if q.round == round}
        ordered = [t for t in self.registry.topics.get(round, ()) if t in used]
        return ordered + sorted(used - set(ordered))

    def pick(
        self,
        company: str,
        round: str,
        difficulty: str | None = None,
        topic: str | None = None,
        exclude_ids: Iterable[str] = (),
        rng: random.Random | None = None,
    ) -> Question:
        """A random bank question matching the filters, preferring the company's own and unseen ones."""
        pool = self.filter(company, round, difficulty, topic)
        if not pool:
            what = ", ".join(f"{k}={v}" for k, v in (("company", company), ("round", round), ("difficulty", difficulty), ("topic", topic)) if v)
            raise QuestionBankError(f"no question in the bank matches {what}; try another topic or difficulty")
        excluded = set(exclude_ids)
        fresh = [q for q in pool if q.id not in excluded] or pool
        own = [q for q in fresh if q.company == company]
        return (rng or random.Random()).choice(own or fresh)

    def candidate_mistakes(self, question: Question, limit: int = 8) -> list[Mistake]:
        """The question's linked mistakes first, then others from the same areas and the round's general area."""
        chosen: list[Mistake] = [m for mid in question.mistake_ids if (m := self.mistakes.get(mid)) is not None]
        areas: list[str] = [m.area for m in chosen]
        if question.topic in self.registry.mistake_areas:
            areas.append(question.topic)
        areas += ROUND_AREAS.get(question.round, ())
        seen = {m.id for m in chosen}
        queues = [
            [m for m in sorted(self.mistakes.values(), key=lambda x: x.id) if m.area == area and m.id not in seen]
            for area in dict.fromkeys(areas)
        ]
        while len(chosen) < limit and any(queues):  # round-robin so every area gets a voice
            for queue in queues:
                if queue and len(chosen) < limit:
                    chosen.append(queue.pop(0))
        return chosen[:limit]

    def mistake_titles(self, ids: Sequence[str | None]) -> dict[str, str]:
        return {mid: self.mistakes[mid].title for mid in ids if mid and mid in self.mistakes}
