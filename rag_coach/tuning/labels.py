"""Build the grader's target JSON from reference grades, and label templated answer variants.

Target (the model's part of the feedback, exactly what serving validates with ``schema_for(round)``):

* ``dimensions``: every rubric dimension in schema order; ``score`` is the reference grade;
  ``evidence`` is one sentence (or code line) copied verbatim from the answer, the one that shares
  most keywords with the dimension (:data:`KEYWORDS`), cut at a word boundary to
  ``EVIDENCE_CHARS``; ``""`` when no sentence mentions the dimension at all.
* ``weaknesses``: the expected mistakes first (text = catalog title + what to look for; id kept
  only if the serving grammar offers it, i.e. it is among ``candidate_mistakes``, else null), then
  the weakest dimensions (score <= 2) without a mistake, at most ``MAX_ITEMS``.
* ``strengths``: rubric items whose dimension scored >= 3 (best first), or one generic line.
* ``next_steps``: the catalog ``fix`` of each linked mistake, then rubric items of dimensions that
  scored <= 2; for a strong answer, the first bank follow-up to prepare for.

Variant labelling rules (each applied to a ``good`` answer only, so every other dimension keeps
its reference grade; a variant is skipped if nothing was removed):

* ``no_complexity`` (coding): drop every sentence that states a complexity (``O(...)``, "time",
  "space") -> complexity_analysis = 1, mistake ``communication.no_complexity_stated``.
* ``no_edge_cases`` (coding): drop sentences about edge cases / empty input / tests ->
  edge_cases = 1, mistake ``communication.no_testing``.
* ``no_requirements`` (system_design): drop sentences clarifying requirements, scale or
  assumptions -> requirements = 1, mistake ``system_design.skips_requirements``.
* ``no_result`` (behavioral): drop sentences with a number, percentage or "result" ->
  measurable_result = 1, mistake ``behavioral.no_measurable_result``.
* ``we_not_i`` (behavioral): replace the first-person "I"/"my" with "we"/"our" ->
  specificity_ownership = 2, mistake ``behavioral.we_instead_of_i``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rag_coach.documents.models import Question
from rag_coach.interview.feedback import EVIDENCE_CHARS, ITEM_CHARS, MAX_ITEMS, dimensions_for, evidence_found, schema_for
from rag_coach.interview.questions import QuestionBank

KEYWORDS: dict[str, tuple[str, ...]] = {
    "problem_understanding": ("clarify", "question", "assume", "input", "constraint", "should i", "can ", "return"),
    "approach": ("brute force", "instead", "map", "sort", "pointer", "approach", "idea", "better", "one pass", "use"),
    "correctness": ("trac", "example", "return", "def ", "works", "check", "for ", "if "),
    "complexity_analysis": ("o(", "time", "space", "complexity", "linear", "log n"),
    "edge_cases": ("edge", "empty", "single", "duplicate", "[]", "null", "none", "zero", "negative", "test"),
    "communication": ("first", "then", "i'll", "i will", "because", "so ", "let me", "explain"),
    "requirements": ("requirement", "clarify", "scale", "users", "per second", "qps", "assume", "read", "write", "latency"),
    "high_level_design": ("service", "api", "database", "store", "component", "client", "queue", "table", "flow"),
    "deep_dive": ("deep", "algorithm", "index", "hash", "partition", "key", "detail", "mechanism", "counter"),
    "tradeoffs": ("trade", "instead", "alternative", "versus", "vs", "rather", "cost", "choose", "because"),
    "scaling": ("scale", "shard", "replica", "cache", "hot", "failure", "load", "region", "partition"),
    "star_completeness": ("situation", "task", "when", "at my", "the result", "in the end", "so i", "we had"),
    "specificity_ownership": ("i ", "i'", "my ", "myself", "personally"),
    "measurable_result": ("%", "percent", "result", "reduced", "increased", "saved", "from ", "learned", "lesson"),
    "principle_alignment": ("customer", "ownership", "trust", "bias", "dive", "learn", "deliver", "disagree", "principle"),
    "goal_clarification": ("goal", "clarify", "context", "constraint", "assume", "why"),
    "user_insight": ("user", "segment", "pain", "persona", "need", "customer"),
    "solution_quality": ("idea", "solution", "feature", "build", "first version", "mvp", "option"),
    "prioritization": ("priorit", "impact", "effort", "cut", "first", "later"),
    "success_metrics": ("metric", "measure", "success", "guardrail", "risk", "rate"),
    "problem_framing": ("objective", "label", "predict", "classif", "rank", "frame", "goal"),
    "data_features": ("data", "feature", "label", "log", "signal", "offline", "online"),
    "modeling": ("model", "stage", "retriev", "rank", "network", "tree", "baseline"),
    "evaluation": ("metric", "offline", "online", "a/b", "auc", "precision", "recall", "evaluat"),
    "serving_monitoring": ("serv", "latency", "monitor", "drift", "feedback loop", "retrain", "cache"),
}
GENERIC_STRENGTH = "Attempts an answer that addresses the question directly."
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'`\[])")


def _clip(text: str, limit: int) -> str:
    """Whole text if it fits, else the longest prefix ending at a sentence or clause end, else at a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    for marks in ((". ", "? ", "! "), ("; ", ", ", ": ", " (")):
        end = max(head.rfind(m) for m in marks)
        if end >= limit // 2:
            return head[: end + 1].rstrip(" ,;:(")
    return head.rsplit(" ", 1)[0].rstrip(" ,;:-(")


def sentences(answer: str) -> list[str]:
    """Prose sentences and non-empty code lines of an answer, in order."""
    out: list[str] = []
    in_code = False
    for line in answer.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            if line.strip() and not line.strip().startswith("#"):
                out.append(line.strip())
            continue
        out += [s.strip() for s in _SENTENCE.split(line) if s.strip()]
    return out


def _hits(text: str, keywords: tuple[str, ...]) -> int:
    low = f" {text.lower()} "
    return sum(1 for k in keywords if k in low)


def pick_evidence(answer: str, dimension: str) -> str:
    """The sentence that mentions the dimension most (verbatim, clipped); "" if none does."""
    keywords = KEYWORDS.get(dimension, ())
    best, best_hits = "", 0
    for sentence in sentences(answer):
        pieces = [sentence] if len(sentence) <= EVIDENCE_CHARS else [p for p in re.split(r"(?<=[,;:])\s+", sentence) if len(p) > 15]
        for piece in pieces:
            hits = _hits(piece, keywords)
            if hits > best_hits:
                quote = _clip(piece, EVIDENCE_CHARS).rstrip(",;:")
                if quote and evidence_found(quote, answer):
                    best, best_hits = quote, hits
    return best


def _dimension_of(item: str, dims: list[str]) -> str:
    scores = [(_hits(item, KEYWORDS.get(d, ())), -i, d) for i, d in enumerate(dims)]
    return max(scores)[2]


def build_target(question: Question, answer: str, scores: dict[str, int], mistake_ids: list[str], bank: QuestionBank,
                 offered: list[str], covered: tuple[str, ...] = ()) -> dict[str, Any]:
    """The grader's JSON for ``answer`` given the reference ``scores`` and expected mistakes (see module docstring).

    ``covered``: dimensions already explained by a listed mistake (a variant's), so no generic weakness repeats them.
    Keys follow the serving schema's property order, which is the order constrained decoding emits.
    """
    dims = list(dimensions_for(question.round))
    target_dims = {d: {"evidence": pick_evidence(answer, d), "score": int(scores[d])} for d in dims}
    rubric = [(item, _dimension_of(item, dims)) for item in question.rubric]
    weaknesses: list[dict[str, Any]] = []
    steps: list[str] = []
    for mid in mistake_ids:
        mistake = bank.mistake(mid)
        if mistake is None or len(weaknesses) >= MAX_ITEMS:
            continue
        weaknesses.append({"text": _clip(f"{mistake.title}: {mistake.spot}", ITEM_CHARS), "mistake_id": mid if mid in offered else None})
        steps.append(_clip(mistake.fix, ITEM_CHARS))
    low = sorted((s, d) for d, s in scores.items() if s <= 2)
    for _, dim in low:
        if len(weaknesses) >= MAX_ITEMS:
            break
        label = dim.replace("_", " ")
        if dim not in covered and not any(label in w["text"].lower() for w in weaknesses):
            weaknesses.append({"text": _clip(f"Weak {label}: {dimensions_for(question.round)[dim]}", ITEM_CHARS), "mistake_id": None})
    steps += [_clip(f"Practise: {item}", ITEM_CHARS) for item, dim in rubric if scores[dim] <= 2]
    if not steps:
        steps = [_clip(f"Prepare for the follow-up: {question.follow_ups[0]}", ITEM_CHARS)]
    strong = sorted(((scores[dim], -i, item) for i, (item, dim) in enumerate(rubric) if scores[dim] >= 3), reverse=True)
    strengths = [_clip(item, ITEM_CHARS) for _, _, item in strong][:MAX_ITEMS] or [GENERIC_STRENGTH]
    parts = {"dimensions": target_dims, "strengths": strengths, "weaknesses": weaknesses[:MAX_ITEMS],
             "next_steps": list(dict.fromkeys(steps))[:MAX_ITEMS]}
    return {key: parts[key] for key in schema_for(question.round)["properties"]}


@dataclass(frozen=True)
class VariantRule:
    name: str
    round: str
    dimension: str
    score: int
    mistake_id: str
    transform: Callable[[str], str]


def _drop(pattern: str) -> Callable[[str], str]:
    rx = re.compile(pattern, re.I)

    def transform(answer: str) -> str:
        kept: list[str] = []
        for para in answer.split("\n\n"):
            if para.lstrip().startswith("```"):
                kept.append(para)
                continue
            parts = [s for s in _SENTENCE.split(para) if not rx.search(s)]
            if parts:
                kept.append(" ".join(parts))
        return "\n\n".join(kept)

    return transform


def _we_not_i(answer: str) -> str:
    swaps = {"I'm": "we're", "I've": "we've", "I'd": "we'd", "I": "we", "my": "our", "My": "Our", "me": "us", "myself": "ourselves"}
    out = re.sub(r"\b(I'm|I've|I'd|I|my|My|me|myself)\b", lambda m: swaps[m.group(1)], answer)
    return re.sub(r"(^|[.!?]\s+)we\b", lambda m: m.group(1) + "We", out)


VARIANTS: tuple[VariantRule, ...] = (
    VariantRule("no_complexity", "coding", "complexity_analysis", 1, "mistake.communication.no_complexity_stated",
                _drop(r"O\(|\btime\b|\bspace\b|complexity")),
    VariantRule("no_edge_cases", "coding", "edge_cases", 1, "mistake.communication.no_testing",
                _drop(r"edge case|empty|\bsingle\b|\btest|\btrac")),
    VariantRule("no_requirements", "system_design", "requirements", 1, "mistake.system_design.skips_requirements",
                _drop(r"requirement|clarif|\bscale\b|per second|\bqps\b|assum|\bDAU\b|million|billion")),
    VariantRule("no_result", "behavioral", "measurable_result", 1, "mistake.behavioral.no_measurable_result",
                _drop(r"\d|percent|result")),
    VariantRule("we_not_i", "behavioral", "specificity_ownership", 2, "mistake.behavioral.we_instead_of_i", _we_not_i),
)


def variants(row: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Labelled variants of a good reference row: (rule name, new row with answer/reference/mistakes)."""
    if row.get("quality") != "good" or row.get("reference") is None:
        return []
    out = []
    for rule in VARIANTS:
        if rule.round != row["round"]:
            continue
        answer = rule.transform(row["answer"]).strip()
        if answer == row["answer"].strip() or len(answer.split()) < 20:
            continue
        dims = dict(row["reference"]["dimensions"])
        dims[rule.dimension] = min(dims[rule.dimension], rule.score)
        new = {**row, "id": f"{row['id']}.{rule.name}", "quality": rule.name, "answer": answer, "covers": (rule.dimension,),
               "reference": {"dimensions": dims},
               "expected_mistake_ids": [rule.mistake_id, *[m for m in row["expected_mistake_ids"] if m != rule.mistake_id]]}
        out.append((rule.name, new))
    return out
