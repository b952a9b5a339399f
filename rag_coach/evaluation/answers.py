"""`rag-coach eval answers`: deterministic quality metrics of coaching answers (no model judge).

* citation validity, **strict** — a cited sentence counts as supported only when its cited passage
  holds every figure and name of the sentence and at least 75 % of its content words
  (``coach.support.check``, the same check that guards the coach);
* citation validity, lenient (the earlier measure, kept for comparison) — the sentence shares at
  least 2 content words, or a third of its words, with the cited passage;
* claims with a citation — share of the claims of (non-refused) answers that end in a citation marker
  (a claim: the text up to a marker, or text after the last one);
* required-fact recall; forbidden-fact rate (e.g. another company's terms);
* refusal rate on the in-domain unanswerable questions *and* answered rate on the answerable ones
  (a coach that refuses everything scores 0 on the second);
* every figure is also given for the ``report`` half of the rows (the half the gate was not fitted on).
"""

from __future__ import annotations

import re
import time
from importlib import resources
from pathlib import Path
from typing import Any

from rag_coach.coach.chat import ChatSession, Coach, TurnResult
from rag_coach.coach.refusal import NOT_COVERED
from rag_coach.coach.citations import MARKER
from rag_coach.coach.support import STRICT_SHARE, check, normalise
from rag_coach.jsonl import parse_jsonl, read_jsonl
from rag_coach.retrieval.bm25 import tokenize

REFUSAL = re.compile(
    r"corpus has nothing|(?:does not|doesn't|do not|don't|cannot|can't|not)\s+(?:cover|contain|include|mention|"
    r"have (?:any )?(?:information|details|data)|specify|provide|say)|not (?:covered|in the (?:corpus|passages))|"
    r"no (?:information|details|data|passages?)|(?:isn't|is not) (?:available|covered|mentioned)|not publicly",
    re.I,
)


def load_set(name: str, path: str | Path | None = None) -> list[dict[str, Any]]:
    """An evaluation set: the JSONL file at ``path``, else the packaged ``sets/<name>``."""
    if path:
        return read_jsonl(path)
    return parse_jsonl(resources.files("rag_coach.evaluation").joinpath(f"sets/{name}").read_text(encoding="utf-8"), name)


def has_fact(answer: str, fact: str) -> bool:
    norm = normalise(answer)
    return any(re.search(r"(?<![a-z0-9])" + re.escape(normalise(alt)) + r"(?![a-z0-9])", norm) for alt in fact.split("|"))


def claims(answer: str) -> list[tuple[str, list[int]]]:
    """The answer cut into claims: the text up to each citation marker (with its numbers), and any text
    after the last marker (no numbers). A claim can be several sentences of one cited evidence item.
    Only markers at the end of a claim count (:data:`~rag_coach.coach.citations.MARKER`): a list literal
    such as "[1, 2, 1, 3] gives 1" in quoted evidence is not a citation."""
    out: list[tuple[str, list[int]]] = []
    pos = 0
    for match in MARKER.finditer(answer):
        *earlier, text = answer[pos:match.start()].split("\n")
        out += [(line, []) for line in earlier]  # whole lines before the marker's line carry no citation
        numbers = [int(n) for n in match.group(1).split(",")]
        if len(tokenize(text)) < 2 and out and out[-1][1]:
            out[-1][1].extend(numbers)  # "[1][2]" or "[1]. [2]": more numbers for the same claim
        else:
            out.append((text, numbers))
        pos = match.end()
    out.append((answer[pos:], []))
    return [(text.strip(" .,;:-*\n"), numbers) for text, numbers in out if len(tokenize(text)) >= 2]


def citation_checks(result: TurnResult, question: str = "", names: tuple[str, ...] = ()) -> dict[str, int]:
    """Counts over the answer's citations: lenient-supported, strict-supported, all (incl. ones to missing
    passages); and claims with / without a citation."""
    counts = {"lenient": 0, "strict": 0, "citations": 0, "claims": 0, "cited_claims": 0}
    for claim, numbers in claims(result.answer):
        counts["claims"] += 1
        counts["cited_claims"] += bool(numbers)
        words = set(tokenize(claim))
        for number in numbers:
            counts["citations"] += 1
            if not 1 <= number <= len(result.sources):
                continue
            passage = result.sources[number - 1].chunk.text
            shared = words & set(tokenize(passage))
            counts["lenient"] += len(shared) >= 2 or (bool(words) and len(shared) / len(words) >= 1 / 3)
            counts["strict"] += check(claim, passage, question, STRICT_SHARE, names).supported
    return counts


def is_refusal(result: TurnResult) -> bool:
    if result.refused or result.answer.startswith(NOT_COVERED[:30]):
        return True
    return not result.grounded or bool(REFUSAL.search(result.answer))


def _ask(coach: Coach, row: dict[str, Any]) -> tuple[TurnResult, float]:
    cpu = time.process_time()
    result = coach.ask(ChatSession(row.get("company") or "general", row.get("round") or "all"), row["question"])
    return result, time.process_time() - cpu


def evaluate_answers(coach: Coach, questions: list[dict[str, Any]], unanswerable: list[dict[str, Any]]) -> dict[str, Any]:
    from rag_coach.logistic import split_of

    names = tuple(coach.registry.companies.values())
    records: list[dict[str, Any]] = []
    for row in questions:
        result, cpu = _ask(coach, row)
        counts = citation_checks(result, row["question"], names)
        found = [f for f in row["required_facts"] if has_fact(result.answer, f)]
        bad = [f for f in row.get("forbidden_facts", []) if has_fact(result.answer, f)]
        records.append({"id": row["id"], "set": "coaching", "split": split_of(row["id"]), "answer": result.answer,
                        "citations": result.citations, **counts, "refused": is_refusal(result),
                        "recall": len(found) / len(row["required_facts"]) if row["required_facts"] else 1.0,
                        "required_found": found, "forbidden_found": bad, "grounded": result.grounded,
                        "gate": result.gate.to_dict() if result.gate else None,
                        **result.timings, **result.tokens, "cpu_s": round(cpu, 2)})
    for row in unanswerable:
        result, cpu = _ask(coach, row)
        records.append({"id": row["id"], "set": "unanswerable", "split": split_of(row["id"]), "answer": result.answer,
                        "refused": is_refusal(result), "grounded": result.grounded,
                        "gate": result.gate.to_dict() if result.gate else None,
                        **result.timings, **result.tokens, "cpu_s": round(cpu, 2)})
    report = summarise(records)
    report["report_split"] = summarise([r for r in records if r["split"] == "report"])
    report["records"] = records
    return report


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    coaching = [r for r in records if r["set"] == "coaching"]
    unanswerable = [r for r in records if r["set"] == "unanswerable"]
    total = lambda key: sum(r.get(key, 0) for r in coaching)  # noqa: E731
    n = len(coaching)
    return {
        "coaching_questions": n,
        "unanswerable_questions": len(unanswerable),
        "citation_validity_strict": _ratio(total("strict"), total("citations")),
        "citation_validity": _ratio(total("lenient"), total("citations")),
        "citations_total": total("citations"),
        "claims_with_citation": _ratio(sum(r["cited_claims"] for r in coaching if not r["refused"]),
                                       sum(r["claims"] for r in coaching if not r["refused"])),
        "answers_with_citations": _ratio(sum(bool(r["citations"]) for r in coaching), n),
        "required_fact_recall": _ratio(sum(r["recall"] for r in coaching), n),
        "forbidden_fact_rate": _ratio(sum(bool(r["forbidden_found"]) for r in coaching), n),
        "answered_rate_on_answerable": _ratio(sum(not r["refused"] for r in coaching), n),
        "correct_refusal_rate": _ratio(sum(r["refused"] for r in unanswerable), len(unanswerable)),
    }
