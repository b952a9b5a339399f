"""Behaviour-tuning dataset: chat examples for the grader's yes/no checks, interviewer follow-ups and hint rungs.

Each JSONL line is ``{"id", "messages", "task", "question_id", "round", "source", "split"}`` where
``messages`` is system / user / assistant:

* ``check``: the prompt is exactly :meth:`Grader.check_messages` for one rubric item or catalog
  mistake (what serving sends); the target is "yes" or "no" labelled from the reference grades and
  mistakes of ``graded_answers.jsonl`` by :func:`rag_coach.tuning.labels.check_targets`, plus
  labelled variants of the good answers (:data:`rag_coach.tuning.labels.VARIANTS`; rules in that
  module's docstring). ``source`` is the answer quality (good/mediocre/bad) or the variant rule.
  Screened-out rows (no reference) are skipped.
* ``follow_up``: question + a candidate answer (+ follow-ups already asked) -> the next bank
  follow-up with a short interviewer opener. The candidate answer is a graded answer to that
  question where one exists (``source`` = its quality), else a plain answer stitched from the
  rubric (``source`` = ``rubric_answer``).
* ``hint``: question + hints given so far -> the next rung of the bank's hint ladder.

Split: by question id, stratified by round (and by whether the question has graded answers), so no
validation question is seen in training.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import statistics
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rag_coach.documents.models import Question
from rag_coach.evaluation.feedback_eval import load_rows
from rag_coach.interview.grading import CHECK, Grader
from rag_coach.interview.questions import QuestionBank
from rag_coach.llm.base import Message
from rag_coach.settings import Settings
from rag_coach.stats import percentile
from rag_coach.tuning.labels import check_targets, variants

if TYPE_CHECKING:
    from rag_coach.tuning.chat import ServingFormat

log = logging.getLogger(__name__)

TASKS = ("check", "follow_up", "hint")
INTERVIEWER = (
    "You are the interviewer in a mock {round} interview. Ask the next follow-up question in one or two sentences, "
    "in your own voice, building on the candidate's answer. Do not grade it and do not give the solution."
)
HINTER = (
    "You are the interviewer in a mock {round} interview. The candidate asked for a hint. Give only the next rung of "
    "the hint ladder in one sentence: a nudge, not the solution, and no more than the rung before it plus one step."
)
OPENERS = ("Thanks, that's clear.", "Okay.", "Good, let's go a bit further.", "That makes sense.", "Let's build on that.")


def _stable(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def _q(question: Question) -> str:
    return " ".join(question.prompt.split())


def follow_up_messages(question: Question, answer: str, asked: list[str]) -> list[Message]:
    """The interviewer prompt for the next follow-up (used by training; reuse it if follow-ups are ever generated)."""
    lines = [f"Question: {_q(question)}", "<answer>\n" + answer.strip()[:2000] + "\n</answer>"]
    if asked:
        lines.append("Follow-ups already asked:\n" + "\n".join(f"- {a}" for a in asked))
    lines.append("Your next follow-up:")
    return [{"role": "system", "content": INTERVIEWER.format(round=question.round.replace("_", " "))},
            {"role": "user", "content": "\n".join(lines)}]


def hint_messages(question: Question, given: list[str]) -> list[Message]:
    """The prompt for the next hint rung given the hints used so far."""
    so_far = "\n".join(f"{i}. {h}" for i, h in enumerate(given, 1)) or "(none yet)"
    user = f"Question: {_q(question)}\nHints given so far:\n{so_far}\nHint {len(given) + 1} of {len(question.hints)}:"
    return [{"role": "system", "content": HINTER.format(round=question.round.replace("_", " "))}, {"role": "user", "content": user}]


def rubric_answer(question: Question) -> str:
    """A plain candidate answer that walks through the rubric points (labelled ``rubric_answer``)."""
    points = [item.rstrip(".") for item in question.rubric]
    return "Here is how I would approach it. " + ". ".join(points) + "."


def _check_examples(bank: QuestionBank, settings: Settings, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from rag_coach.interview import mistakes

    grader = Grader(cast(Any, None), bank, settings)
    out = []
    for row in rows:
        if row.get("reference") is None or row["question_id"] not in bank.questions:
            continue
        question = bank.get(row["question_id"])
        for source, item in [(row["quality"], row), *variants(row)]:
            context = grader.context(question, grader.units(item["answer"]), company=item.get("company"))
            targets = check_targets(question, item["reference"]["dimensions"], item["expected_mistake_ids"], bank)
            for k, (kind, text, target) in enumerate(targets):
                template = mistakes.CHECK if kind == "mistake" else CHECK
                out.append({"id": f"check.{item['id']}.{k}", "task": "check", "question_id": question.id,
                            "round": question.round, "source": source, "kind": kind,
                            "messages": [*grader.check_messages(context, text, template),
                                         {"role": "assistant", "content": target}]})
    return out


def _dialogue_examples(bank: QuestionBank, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    graded: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row.get("reference") is not None:
            graded[row["question_id"]].append(row)
    out = []
    for qid in sorted(bank.questions):
        question = bank.questions[qid]
        answers = graded.get(qid) or [{"quality": "rubric_answer", "answer": rubric_answer(question)}]
        for k, follow_up in enumerate(question.follow_ups):
            row = answers[k % len(answers)]
            opener = OPENERS[_stable(f"{qid}.{k}") % len(OPENERS)]
            messages = follow_up_messages(question, row["answer"], question.follow_ups[:k])
            out.append({"id": f"follow_up.{qid}.{k}", "task": "follow_up", "question_id": qid, "round": question.round,
                        "source": row["quality"], "messages": [*messages, {"role": "assistant", "content": f"{opener} {follow_up}"}]})
        for k, hint in enumerate(question.hints):
            messages = hint_messages(question, question.hints[:k])
            out.append({"id": f"hint.{qid}.{k}", "task": "hint", "question_id": qid, "round": question.round,
                        "source": f"rung{k + 1}", "messages": [*messages, {"role": "assistant", "content": hint}]})
    return out


def split_questions(bank: QuestionBank, graded_ids: set[str], val_fraction: float, seed: int) -> set[str]:
    """Validation question ids: ``val_fraction`` of each (round, has graded answers) group, at least one per group."""
    groups: dict[tuple[str, bool], list[str]] = defaultdict(list)
    for qid, q in sorted(bank.questions.items()):
        groups[(q.round, qid in graded_ids)].append(qid)
    rng = random.Random(seed)
    val: set[str] = set()
    for key in sorted(groups):
        ids = groups[key]
        rng.shuffle(ids)
        if val_fraction > 0 and len(ids) > 1:
            val.update(ids[: max(1, math.floor(len(ids) * val_fraction + 0.5))])
    return val


def build_dataset(bank: QuestionBank, settings: Settings, val_fraction: float = 0.2, seed: int = 0,
                  rows: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    rows = load_rows(("graded_answers.jsonl",)) if rows is None else rows
    examples = _check_examples(bank, settings, rows) + _dialogue_examples(bank, rows)
    val = split_questions(bank, {r["question_id"] for r in rows if r.get("reference") is not None}, val_fraction, seed)
    for ex in examples:
        ex["split"] = "validation" if ex["question_id"] in val else "train"
    return examples


def write_jsonl(examples: list[dict[str, Any]], path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for ex in examples:
            fh.write(json.dumps(ex, ensure_ascii=False) + "\n")
    return path


def statistics_of(examples: list[dict[str, Any]], fmt: ServingFormat | None = None) -> dict[str, Any]:
    """Counts per task/split/round and length quantiles per task (served tokens with ``fmt``, else characters)."""
    unit = "tokens" if fmt is not None else "chars"
    lengths: dict[str, list[int]] = defaultdict(list)
    for ex in examples:
        if fmt is not None:
            prompt, target = fmt.encode(ex["messages"])
            lengths[ex["task"]].append(len(prompt) + len(target))
        else:
            lengths[ex["task"]].append(sum(len(m["content"]) for m in ex["messages"]))
    return {
        "examples": len(examples),
        "by_task_split": dict(sorted(Counter(f"{e['task']}/{e['split']}" for e in examples).items())),
        "by_round": dict(sorted(Counter(f"{e['round']}/{e['split']}" for e in examples).items())),
        "by_source": dict(sorted(Counter(f"{e['task']}/{e['source']}" for e in examples if e["task"] == "check").items())),
        "questions": {s: len({e["question_id"] for e in examples if e["split"] == s}) for s in ("train", "validation")},
        "length_unit": unit,
        "lengths": {t: {"min": min(v), "p90": int(percentile(v, 90, "lower") or 0), "median": int(statistics.median(v)), "max": max(v)} for t, v in sorted(lengths.items())},
    }


def format_statistics(stats: dict[str, Any]) -> str:
    lines = [f"{stats['examples']} examples; questions: {stats['questions']['train']} train, "
             f"{stats['questions']['validation']} validation"]
    for title, key in (("task/split", "by_task_split"), ("round/split", "by_round"), ("feedback sources", "by_source")):
        lines.append(f"{title}: " + ", ".join(f"{k}={v}" for k, v in stats[key].items()))
    for task, q in stats["lengths"].items():
        lines.append(f"{task} length ({stats['length_unit']}, prompt+target): min {q['min']}, median {q['median']}, p90 {q['p90']}, max {q['max']}")
    return "\n".join(lines)
