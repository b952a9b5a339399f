"""`rag-coach grade` and `questions generate`: interview answers and the question bank."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rag_coach.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_SKIPPED,
    _common,
    _confirm,
    _emit,
    _llm_flags,
    _llm_overrides,
    _settings,
)
from rag_coach.documents.models import DIFFICULTIES


def cmd_grade(args: argparse.Namespace) -> int:
    from rag_coach.interview.questions import QuestionBankError
    from rag_coach.services import Services
    from rag_coach.ui.feedback_view import render_markdown

    services = Services(_llm_overrides(args, _settings(args)))
    bank = services.question_bank
    try:
        question = bank.get(args.question_id)
    except QuestionBankError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.company and question.company not in (args.company, "general"):
        print(f"error: {question.id} is a {question.company} question, not {args.company}", file=sys.stderr)
        return 2
    spoken = None
    if args.audio:  # the transcript replaces the answer text; delivery goes with the feedback
        from rag_coach.voice.practice import spoken_answer

        spoken = spoken_answer(services.transcriber, Path(args.audio), question.round)
        answer = spoken.text
    else:
        answer = Path(args.answer_file).read_text(encoding="utf-8")
    code = Path(args.code_file).read_text(encoding="utf-8") if args.code_file else ""
    result = services.interviews.grade_answer(question, answer, code, company=args.company)
    voice = {"transcript": spoken.text, "delivery": spoken.delivery.to_dict()} if spoken else {}
    if result.status == "ok" and result.feedback is not None:
        text = render_markdown(result.feedback, bank)
        if spoken:
            from rag_coach.voice.delivery import render_markdown as delivery_markdown

            text = f"{text}\n\n{delivery_markdown(spoken.delivery)}"
        _emit(args, {**result.feedback.model_dump(mode="json"), **voice}, text)
        return EXIT_OK
    if args.json:
        print(json.dumps({**result.to_dict(), **voice}, ensure_ascii=False, indent=2))
    print(f"{result.status}: {result.reason}", file=sys.stderr)
    return EXIT_REFUSED if result.status == "refused" else EXIT_ERROR


def cmd_questions_generate(args: argparse.Namespace) -> int:
    import yaml

    from rag_coach.generation.bank_file import AppendError, append_questions
    from rag_coach.generation.generate import GenerationError, question_dict
    from rag_coach.generation.metrics import compute_metrics, format_metrics
    from rag_coach.services import Services

    services = Services(_llm_overrides(args, _settings(args)))
    generator = services.generator
    try:
        generator.check_request(args.company, args.round, args.topic, args.difficulty)
        services.backend.check()
        report = generator.generate(args.company, args.round, args.topic, args.difficulty, args.n, args.max_attempts)
    except GenerationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    metrics = compute_metrics(report, generator.round_index(args.round), generator.embed([q.prompt for q in report.accepted]))
    shown = yaml.safe_dump([question_dict(q) for q in report.accepted], sort_keys=False, allow_unicode=True, width=100)
    data: dict[str, Any] = {**report.to_dict(), "metrics": metrics, "appended": None}
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    if not args.json:
        print(shown.rstrip() if report.accepted else "no question accepted")
        print(format_metrics(metrics))
    code = EXIT_OK if len(report.accepted) == args.n else EXIT_SKIPPED
    if args.append_to and report.accepted:
        if args.json:
            print(shown, file=sys.stderr)
        target = Path(args.append_to)
        if not (args.yes or _confirm(f"Append these {len(report.accepted)} question(s) to {target}? [y/N]")):
            print("not appended", file=sys.stderr)
        else:
            try:
                total = append_questions(target, report.accepted, args.company, services.question_bank.registry,
                                         services.settings.max_file_bytes, services.settings.corpus_dir)
            except AppendError as exc:
                print(f"error: {exc}", file=sys.stderr)
                code = EXIT_ERROR
            else:
                data["appended"] = {"file": str(target), "count": len(report.accepted), "total": total}
                print(f"appended {len(report.accepted)} question(s) to {target} ({total} in the file); "
                      "run `rag-coach validate` and `rag-coach ingest`", file=sys.stderr)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    return code


def add_grade_parser(sub: argparse._SubParsersAction) -> None:
    """grade."""
    p = sub.add_parser("grade", help="grade one answer to a bank question; prints the feedback")
    _common(p)
    _llm_flags(p)
    p.add_argument("--question-id", required=True, help="a question id from corpus/questions/*.yaml")
    given = p.add_mutually_exclusive_group(required=True)
    given.add_argument("--answer-file", help="UTF-8 text file with the candidate's answer")
    given.add_argument("--audio", help="a spoken answer (audio file): transcribed locally; the JSON adds "
                       "'transcript' and 'delivery'")
    p.add_argument("--code-file", help="optional file with the candidate's code")
    p.add_argument("--company", help="company slug the interview is for (default: the question's)")
    p.set_defaults(func=cmd_grade)


def add_questions_parser(sub: argparse._SubParsersAction) -> None:
    """questions generate."""
    questions = sub.add_parser("questions", help="question bank tools").add_subparsers(dest="what", required=True)
    p = questions.add_parser("generate", help="generate new bank questions grounded on the bank and company guide")
    _common(p)
    _llm_flags(p)
    p.add_argument("--company", required=True, help="company slug (or general)")
    p.add_argument("--round", required=True, help="a concrete round, e.g. coding")
    p.add_argument("--topic", required=True, help="a topic of the round (registry.yaml topics)")
    p.add_argument("--difficulty", default="medium", choices=DIFFICULTIES)
    p.add_argument("-n", type=int, default=1, help="how many questions to generate (default 1)")
    p.add_argument("--max-attempts", type=int, help="model calls per question before giving up "
                   "(setting generation.max_attempts, default 3)")
    p.add_argument("--append-to", help="append accepted questions to this bank YAML file (asks first)")
    p.add_argument("--yes", action="store_true", help="append without asking")
    p.set_defaults(func=cmd_questions_generate)


__all__ = ["add_grade_parser", "add_questions_parser", "cmd_grade", "cmd_questions_generate"]
