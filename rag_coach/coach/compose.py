"""Writing an attributed answer: one sentence per evidence item, its citation attached by construction.

The model only phrases. For each evidence item it is asked for one sentence that applies the item to
the candidate's question; that sentence is checked against the item (``support.check``: figures,
names, content words). A sentence that passes is shown with the item's passage number; one that fails
is replaced by the evidence sentence itself, quoted. Lookups and practice-question requests are
extractive from the start. A citation to anything but the item the sentence was written from cannot
occur: the model never writes citation markers (any it writes are removed) and the number is added
by this code.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rag_coach.coach.citations import CITATION
from rag_coach.coach.evidence import EvidenceItem, QuestionType
from rag_coach.coach.prompts import sanitize
from rag_coach.coach.support import check
from rag_coach.llm.base import ChatBackend, Message, Usage

log = logging.getLogger(__name__)

REWRITE_RULES = """You turn one piece of evidence from an interview-preparation guide into one sentence of advice.
Rules: write exactly one sentence, addressed to the candidate ("you"), under 35 words. Use only what the evidence says.
Do not add names, numbers, companies or facts that are not in the evidence. Do not write citations or quotes."""
FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(?:\s|$)", re.S)
EXTRACTIVE_TYPES = frozenset({"lookup", "practice_question"})


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    passage: int
    evidence_key: str  # "passage.index" of the evidence item it was written from
    evidence_text: str
    extractive: bool
    check: str = "supported"  # why a model sentence was replaced, or "supported"

    def render(self) -> str:
        """The sentence with its citation before the final full stop: "... the hire [1]." (one is added if missing)."""
        text = self.text.rstrip()
        if text and text[-1] in ".!?":
            return f"{text[:-1].rstrip()} [{self.passage}]{text[-1]}"
        return f"{text.rstrip(' .…;:,')} [{self.passage}]."  # a bank item or catalog entry without a full stop

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "citation": self.passage, "evidence": self.evidence_key,
                "evidence_text": self.evidence_text, "extractive": self.extractive, "check": self.check}


@dataclass
class Composition:
    sentences: list[AnswerSentence] = field(default_factory=list)
    model_sentences: int = 0
    replaced: int = 0
    prompt_tokens: int = 0  # summed over the model calls (cached prefix tokens included)
    completion_tokens: int = 0


def _clean_model_text(text: str) -> str:
    text = CITATION.sub("", sanitize(text)).replace("**", "").strip().strip('"').strip()
    text = re.sub(r"^(?:sentence|advice|answer)\s*:\s*", "", text, flags=re.I)
    match = FIRST_SENTENCE.match(text)
    sentence = (match.group(1) if match else text).strip()
    return " ".join(sentence.split())


def rewrite_messages(question: str, item: EvidenceItem, company: str) -> list[Message]:
    return [{"role": "system", "content": REWRITE_RULES},
            {"role": "user", "content": f"Candidate's question ({company}): {sanitize(question).strip()}\n"
                                        f"Evidence: {item.text}\nOne sentence of advice:"}]


def _quote(item: EvidenceItem, kind: QuestionType) -> str:
    text = item.text.strip()
    if kind == "practice_question" and not text.lower().startswith("practice question"):
        return f"Practice question: {text}"
    return text


class Composer:
    def __init__(self, backend: ChatBackend, known_names: tuple[str, ...], max_tokens: int = 48) -> None:
        self.backend = backend
        self.known_names = known_names
        self.max_tokens = max_tokens

    def sentences(self, question: str, evidence: list[EvidenceItem], kind: QuestionType, company: str,
                  composition: Composition) -> Iterator[AnswerSentence]:
        """Yield each answer sentence once it has passed its check (so the UI can stream sentence by sentence)."""
        for item in evidence:
            if kind in EXTRACTIVE_TYPES:
                sentence = AnswerSentence(_quote(item, kind), item.passage, item.key, item.text, True)
            else:
                sentence = self._rewrite(question, item, company, composition)
            composition.sentences.append(sentence)
            yield sentence

    def _rewrite(self, question: str, item: EvidenceItem, company: str, composition: Composition) -> AnswerSentence:
        usage = Usage()
        raw = "".join(self.backend.stream_chat(rewrite_messages(question, item, company), max_tokens=self.max_tokens,
                                               temperature=0.0, usage=usage))
        composition.prompt_tokens += usage.prompt_tokens
        composition.completion_tokens += usage.completion_tokens
        text = _clean_model_text(raw)
        composition.model_sentences += 1
        verdict = check(text, item.text, question, known_names=self.known_names) if len(text.split()) >= 4 else None
        if verdict is not None and verdict.supported:
            return AnswerSentence(text, item.passage, item.key, item.text, False)
        composition.replaced += 1
        reason = verdict.reason if verdict is not None else "too short"
        log.info("model sentence replaced by its evidence (%s): %r", reason, text)
        return AnswerSentence(item.text, item.passage, item.key, item.text, True, reason)


def bulleted(kind: QuestionType, count: int) -> bool:
    """Several sentences of a how-to, list or practice answer are a bullet list; a lookup is a paragraph."""
    return kind != "lookup" and count > 1


def render(sentences: list[AnswerSentence], kind: QuestionType) -> str:
    if not sentences:
        return ""
    if bulleted(kind, len(sentences)):
        return "\n".join(f"- {s.render()}" for s in sentences)
    return " ".join(s.render() for s in sentences)
