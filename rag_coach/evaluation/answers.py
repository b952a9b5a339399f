"""`rag-coach eval answers`: deterministic quality metrics of coaching answers (no model judge).

* citation validity — every [n] points at a passage that exists, and the sentence citing it shares
  supporting content with that passage (at least 2 content words, or a third of the sentence's);
* required-fact recall — share of each question's required facts ("a|b" = either) in the answer;
* forbidden-fact rate — share of answers that state a forbidden fact (e.g. another company's terms);
* correct refusal rate — on questions the corpus cannot answer, the coach says so.
"""

from __future__ import annotations

import json
import re
import time
from importlib import resources
from pathlib import Path
from typing import Any

from rag_coach.coach.chat import NOTHING_FOUND, ChatSession, Coach, TurnResult
from rag_coach.retrieval.bm25 import tokenize

REFUSAL = re.compile(
    r"corpus has nothing|(?:does not|doesn't|do not|don't|cannot|can't|not)\s+(?:cover|contain|include|mention|"
    r"have (?:any )?(?:information|details|data)|specify|provide|say)|not (?:covered|in the (?:corpus|passages))|"
    r"no (?:information|details|data|passages?)|(?:isn't|is not) (?:available|covered|mentioned)|not publicly",
    re.I,
)
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
CITE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def load_set(name: str, path: str | Path | None = None) -> list[dict[str, Any]]:
    text = Path(path).read_text(encoding="utf-8") if path else (
        resources.files("rag_coach.evaluation").joinpath(f"sets/{name}").read_text(encoding="utf-8"))
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = text.replace("\u2013", "-").replace("\u2014", "-")
    return " ".join(text.split())


def has_fact(answer: str, fact: str) -> bool:
    norm = normalise(answer)
    return any(re.search(r"(?<![a-z0-9])" + re.escape(normalise(alt)) + r"(?![a-z0-9])", norm) for alt in fact.split("|"))


def citation_checks(result: TurnResult) -> tuple[int, int]:
    """(supported citations, all citations incl. ones to missing passages that were dropped)."""
    supported = 0
    total = len(result.dropped_citations)
    for sentence in SENTENCE.split(result.answer):
        for match in CITE.finditer(sentence):
            words = set(tokenize(CITE.sub(" ", sentence)))
            for number in (int(n) for n in match.group(1).split(",")):
                total += 1
                if not 1 <= number <= len(result.sources):
                    continue
                shared = words & set(tokenize(result.sources[number - 1].chunk.text))
                if len(shared) >= 2 or (words and len(shared) / len(words) >= 1 / 3):
                    supported += 1
    return supported, total


def is_refusal(result: TurnResult) -> bool:
    return not result.grounded or result.answer.startswith(NOTHING_FOUND[:30]) or bool(REFUSAL.search(result.answer))


def _ask(coach: Coach, row: dict[str, Any]) -> tuple[TurnResult, float]:
    cpu = time.process_time()
    result = coach.ask(ChatSession(row.get("company") or "general", row.get("round") or "all"), row["question"])
    return result, time.process_time() - cpu


def evaluate_answers(coach: Coach, questions: list[dict[str, Any]], unanswerable: list[dict[str, Any]]) -> dict[str, Any]:
    records: list[dict[str, Any]] = []
    supported = cited = 0
    recall: list[float] = []
    forbidden = 0
    for row in questions:
        result, cpu = _ask(coach, row)
        s, c = citation_checks(result)
        supported, cited = supported + s, cited + c
        found = [f for f in row["required_facts"] if has_fact(result.answer, f)]
        bad = [f for f in row.get("forbidden_facts", []) if has_fact(result.answer, f)]
        recall.append(len(found) / len(row["required_facts"]) if row["required_facts"] else 1.0)
        forbidden += bool(bad)
        records.append({"id": row["id"], "set": "coaching", "answer": result.answer, "citations": result.citations,
                        "supported_citations": s, "all_citations": c, "required_found": found, "forbidden_found": bad,
                        "grounded": result.grounded, **result.timings, **result.tokens, "cpu_s": round(cpu, 2)})
    refusals = 0
    for row in unanswerable:
        result, cpu = _ask(coach, row)
        refused = is_refusal(result)
        refusals += refused
        records.append({"id": row["id"], "set": "unanswerable", "answer": result.answer, "refused": refused,
                        "grounded": result.grounded, **result.timings, **result.tokens, "cpu_s": round(cpu, 2)})
    n = len(questions)
    return {
        "coaching_questions": n,
        "unanswerable_questions": len(unanswerable),
        "citation_validity": round(supported / cited, 3) if cited else None,
        "citations_total": cited,
        "answers_with_citations": round(sum(bool(r.get("citations")) for r in records if r["set"] == "coaching") / n, 3) if n else None,
        "required_fact_recall": round(sum(recall) / n, 3) if n else None,
        "forbidden_fact_rate": round(forbidden / n, 3) if n else None,
        "correct_refusal_rate": round(refusals / len(unanswerable), 3) if unanswerable else None,
        "records": records,
    }
