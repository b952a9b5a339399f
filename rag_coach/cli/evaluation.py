"""`rag-coach eval *` and `bench *`: evaluations and benchmarks."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rag_coach.cli.common import EXIT_ERROR, EXIT_OK, _common, _emit, _llm_flags, _llm_overrides, _settings


def cmd_eval_retrieval(args: argparse.Namespace) -> int:
    from rag_coach.evaluation.retrieval_eval import evaluate_beir, evaluate_labelled, format_report

    settings = _settings(args)
    result = evaluate_beir(settings, Path(args.beir)) if args.beir else evaluate_labelled(settings, args.queries)
    _emit(args, result, format_report(result))
    return EXIT_OK


def cmd_eval_feedback(args: argparse.Namespace) -> int:
    from rag_coach.evaluation.feedback_eval import fit_mistakes, format_report, grade_rows, load_rows, select_rows, summarise

    settings = _llm_overrides(args, _settings(args))
    if args.from_records:
        records = json.loads(Path(args.from_records).read_text(encoding="utf-8"))
        if args.rescore or args.shortlist is not None:
            from rag_coach.evaluation.signals_eval import rescore
            from rag_coach.services import Services

            services = Services(settings)
            embed = services.embedder.embed_documents if args.shortlist is not None else None
            records = rescore(records, services.question_bank, args.shortlist, embed)
    else:
        from rag_coach.services import Services

        services = Services(settings)
        records = grade_rows(services, select_rows(load_rows(), args.limit),
                             draft_withheld=None if args.draft_withheld < 0 else args.draft_withheld)
        if args.records:
            Path(args.records).write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    model = None
    if args.write_mistakes:
        from importlib import resources

        model = fit_mistakes(records)
        target = Path(str(resources.files("rag_coach.interview") / "mistakes.json"))
        model.save(target)
    report = summarise(records, model)
    _emit(args, report, format_report(report))
    return EXIT_OK


def cmd_eval_signals(args: argparse.Namespace) -> int:
    from rag_coach.evaluation.signals_eval import evaluate_signals, format_signals, labelled_rows
    from rag_coach.interview.questions import QuestionBank

    report = evaluate_signals(labelled_rows(), QuestionBank.load(_settings(args)))
    _emit(args, report, format_signals(report))
    return EXIT_OK


def cmd_eval_relevance(args: argparse.Namespace) -> int:
    from importlib import resources

    from rag_coach.evaluation.relevance_eval import evaluate_relevance
    from rag_coach.interview.relevance import RelevanceCheck
    from rag_coach.services import Services

    services = Services(_settings(args))
    target = Path(str(resources.files("rag_coach.interview") / "relevance.json")) if args.write else None
    report = evaluate_relevance(RelevanceCheck(services.question_bank, services.embedder), services.question_bank, target)
    _emit(args, report, report["text"])
    return EXIT_OK


def cmd_eval_answers(args: argparse.Namespace) -> int:
    from rag_coach.evaluation.answers import evaluate_answers, load_set
    from rag_coach.evaluation.report import QUICK, _spread
    from rag_coach.services import Services

    settings = _llm_overrides(args, _settings(args))
    services = Services(settings)
    services.backend.check()
    questions, unanswerable = load_set("coaching_questions.jsonl"), load_set("unanswerable_questions.jsonl")
    if args.split:
        from rag_coach.logistic import split_of

        questions = [r for r in questions if split_of(r["id"]) == args.split]
        unanswerable = [r for r in unanswerable if split_of(r["id"]) == args.split]
    if args.quick:
        questions, unanswerable = _spread(questions, QUICK["coaching"]), _spread(unanswerable, QUICK["unanswerable"])
    result = evaluate_answers(services.coach, questions, unanswerable)
    records = result.pop("records")
    if args.json:
        print(json.dumps({**result, "records": records}, ensure_ascii=False, indent=2))
    else:
        print("\n".join(f"{k}: {v}" for k, v in result.items()))
    return EXIT_OK


def cmd_eval_report(args: argparse.Namespace) -> int:
    from rag_coach.evaluation.report import build_report, to_markdown, write_report

    report = build_report(_settings(args), [v for v in args.variants.split(",") if v], quick=args.quick,
                          price_per_cpu_hour=args.price_per_cpu_hour, limit_graded=args.limit_graded)
    md, js = write_report(report, Path(args.out))
    print(to_markdown(report))
    print(f"written: {md} and {js}", file=sys.stderr)
    return EXIT_OK


def cmd_eval_evidence(args: argparse.Namespace) -> int:
    from rag_coach.evaluation.evidence_eval import evaluate_evidence
    from rag_coach.services import Services

    shipped = Path(__file__).resolve().parents[1] / "coach" / "evidence.json"
    report = evaluate_evidence(Services(_settings(args)).coach, write=shipped if args.write else None)
    _emit(args, report, report["text"])
    return EXIT_OK


def cmd_eval_gate(args: argparse.Namespace) -> int:
    from rag_coach.evaluation.gate_eval import evaluate_gate
    from rag_coach.services import Services

    from rag_coach.coach.gate import FEATURES, GateModel

    shipped = Path(__file__).resolve().parents[1] / "coach" / "gate.json"
    n = len(FEATURES)  # before the first fit: a neutral gate that answers everything
    current = GateModel.load(shipped) if shipped.is_file() else None
    if current is None or current.features != FEATURES:  # first fit, or the features changed: refit from neutral
        current = GateModel((0.0,) * n, 0.0, (0.0,) * n, (1.0,) * n, 0.0)
    services = Services(_llm_overrides(args, _settings(args)), gate_override=current)
    if args.check:  # measure the model's P(yes) as a feature; adopting it is a separate, reviewed step
        from rag_coach.evaluation.gate_eval import evaluate_gate_check

        records = Path(args.records) if args.records else None
        rows = None
        if args.from_records:  # summarise only: no model call
            rows = [json.loads(line) for line in Path(args.from_records).read_text(encoding="utf-8").splitlines() if line.strip()]
        report = evaluate_gate_check(services.coach, limit=args.limit, records=records, rows=rows,
                                     model=args.check_model_name or "")
        if args.out:
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            Path(args.out).write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        _emit(args, report, report["text"])
        return EXIT_OK
    write = shipped if args.write else None
    report = evaluate_gate(services.coach, write=write)
    _emit(args, report, report["text"])
    return EXIT_OK


def cmd_bench_retrieval(args: argparse.Namespace) -> int:
    from rag_coach.evaluation.bench import bench_retrieval

    report = bench_retrieval(_settings(args), sizes=args.sizes, runs=args.runs)
    _emit(args, report, report["text"])
    return EXIT_OK


def cmd_bench_chat(args: argparse.Namespace) -> int:
    from rag_coach.evaluation.bench_chat import bench_chat

    report = bench_chat(_llm_overrides(args, _settings(args)), n=args.questions, runs=args.runs)
    _emit(args, report, report["text"])
    return EXIT_OK


def cmd_bench_llm(args: argparse.Namespace) -> int:
    from rag_coach.evaluation.bench_llm import bench_llm

    report = bench_llm(_llm_overrides(args, _settings(args)), runs=args.runs, prompt_tokens=args.prompt_tokens)
    _emit(args, report, report["text"])
    return EXIT_OK


def cmd_bench_matmul(args: argparse.Namespace) -> int:
    from rag_coach.evaluation.bench_matmul import bench_matmul

    report = bench_matmul(n=args.size, runs=args.runs, threads=args.threads)
    _emit(args, report, report["text"])
    return EXIT_OK


def cmd_bench_load(args: argparse.Namespace) -> int:
    from rag_coach.evaluation.load import LoadOptions, run_load

    options = LoadOptions(users=args.users, seconds=args.seconds, chat=args.chat, url=args.url, pid=args.pid)
    report = run_load(_llm_overrides(args, _settings(args)), options)
    _emit(args, report, report["text"])
    return EXIT_OK if report["ok"] else EXIT_ERROR


def add_eval_parsers(sub: argparse._SubParsersAction) -> None:
    """eval retrieval, eval answers, eval report, eval feedback."""
    ev = sub.add_parser("eval", help="evaluations").add_subparsers(dest="what", required=True)
    p = ev.add_parser("retrieval", help="hit@k, MRR@10, nDCG@10, recall@k per mode")
    _common(p)
    p.add_argument("--queries", help="labelled query set (JSONL); default: the shipped set")
    p.add_argument("--beir", help="a BEIR-layout folder, indexed into a throw-away index")
    p.set_defaults(func=cmd_eval_retrieval)
    p = ev.add_parser("answers", help="coaching answers: citation validity, fact recall, contamination, refusals")
    _common(p)
    _llm_flags(p)
    p.add_argument("--quick", action="store_true", help="a small subset (CI)")
    p.add_argument("--split", choices=["fit", "report"], help="only the rows of one half (the gate is fitted on 'fit')")
    p.set_defaults(func=cmd_eval_answers)
    p = ev.add_parser("report", help="all sets on several model variants, side by side (Markdown + JSON)")
    _common(p)
    p.add_argument("--variants", default="embedded", help="comma list: embedded, embedded+adapter=PATH[@scale], gguf:PATH, ollama:MODEL")
    p.add_argument("--quick", action="store_true", help="a small subset of every set (CI)")
    p.add_argument("--limit-graded", type=int, help="graded answers to grade per variant (default: all 108)")
    p.add_argument("--price-per-cpu-hour", type=float, default=0.04, help="USD per vCPU-hour for the cost line")
    p.add_argument("--out", default="reports/latest", help="folder for report.md and report.json")
    p.set_defaults(func=cmd_eval_report)
    p = ev.add_parser("evidence", help="evidence scorer: fit on one half of the coaching questions, report recall on the other")
    _common(p)
    p.add_argument("--write", action="store_true", help="store the fitted scorer as rag_coach/coach/evidence.json")
    p.set_defaults(func=cmd_eval_evidence)
    p = ev.add_parser("gate", help="answerability gate: fit on one half of the labelled sets, report on the other")
    _common(p)
    _llm_flags(p)
    p.add_argument("--write", action="store_true", help="store the fitted gate as rag_coach/coach/gate.json")
    p.add_argument("--check", action="store_true",
                   help="also ask the model 'does this evidence answer the question?' (calibrated P(yes)) and "
                        "compare the gate with that feature to the shipped one (writes nothing to the package)")
    p.add_argument("--limit", type=int, help="with --check: at most N rows of each labelled set")
    p.add_argument("--out", help="with --check: write the report (with per-row records) to this JSON file")
    p.add_argument("--records", help="with --check: append each row to this JSON-lines file as it is done; rows "
                                     "already there are reused (resume a long run)")
    p.add_argument("--from-records", help="with --check: summarise rows of a --records file (no model call)")
    p.add_argument("--check-model-name", help="with --from-records: the model name to report")
    p.set_defaults(func=cmd_eval_gate)
    p = ev.add_parser("feedback", help="interview feedback vs labelled answers: ordering, mistakes, refusals, validity")
    _common(p)
    _llm_flags(p)
    p.add_argument("--limit", type=int, help="grade at most N graded-set answers (whole question groups) plus the other sets")
    p.add_argument("--draft-withheld", type=int, default=200, metavar="CHARS",
                   help="as in a mock interview, evaluate the draft answer before submit: the answer without its last "
                   "CHARS characters (default 200; -1: no draft, the whole answer is evaluated after submit)")
    p.add_argument("--records", help="also write every graded record (checks, features, feedback) to this JSON file")
    p.add_argument("--from-records", help="summarise records written by --records instead of grading (no model)")
    p.add_argument("--shortlist", type=int, metavar="K",
                   help="with --from-records: rescore as if only the first K shortlisted mistakes had been checked")
    p.add_argument("--rescore", action="store_true",
                   help="with --from-records: re-apply the current deterministic checks and scoring to the stored P(yes)")
    p.add_argument("--write-mistakes", action="store_true",
                   help="fit the mistake model on the fit half and store it as rag_coach/interview/mistakes.json")
    p.set_defaults(func=cmd_eval_feedback)
    p = ev.add_parser("signals", help="deterministic answer checks vs the labelled answers: caught, other fires, fires on good (no model)")
    _common(p)
    p.set_defaults(func=cmd_eval_signals)
    p = ev.add_parser("relevance", help="wrong-problem/template/other-company check: fit on one half, report on the other")
    _common(p)
    p.add_argument("--write", action="store_true", help="store the fitted models as rag_coach/interview/relevance.json")
    p.set_defaults(func=cmd_eval_relevance)


def add_bench_parsers(sub: argparse._SubParsersAction) -> None:
    """bench retrieval, bench chat, bench llm, bench load, bench matmul."""
    bench = sub.add_parser("bench", help="benchmarks").add_subparsers(dest="what", required=True)
    p = bench.add_parser("retrieval", help="ingest throughput, cold start, latency per mode, memory")
    _common(p)
    p.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000], help="synthetic corpus sizes")
    p.add_argument("--runs", type=int, default=5, help="repeats for medians")
    p.set_defaults(func=cmd_bench_retrieval)
    p = bench.add_parser("chat", help="first-token and total latency of the coach on 20 fixed questions")
    _common(p)
    _llm_flags(p)
    p.add_argument("--questions", type=int, default=20)
    p.add_argument("--runs", type=int, default=5, help="ask the whole list this many times; figures are medians of the runs")
    p.set_defaults(func=cmd_bench_chat)
    p = bench.add_parser("llm", help="embedded model prefill/generation tokens/s with extra buffers on and off")
    _common(p)
    _llm_flags(p)
    p.add_argument("--runs", type=int, default=5, help="interleaved runs per option (medians)")
    p.add_argument("--prompt-tokens", type=int, default=512)
    p.set_defaults(func=cmd_bench_llm)
    p = bench.add_parser("load", help="concurrent candidates against the app: retrieval, then chat turns; memory")
    _common(p)
    _llm_flags(p)
    p.add_argument("--users", type=int, default=20, help="concurrent candidates in the retrieval phase")
    p.add_argument("--seconds", type=float, default=60, help="length of the retrieval phase")
    p.add_argument("--chat", type=int, default=4, help="concurrent full chat turns with the model afterwards")
    p.add_argument("--url", help="use the app running here instead of starting one")
    p.add_argument("--pid", type=int, help="with --url: the app's process id, to sample its memory")
    p.set_defaults(func=cmd_bench_load)
    p = bench.add_parser("matmul", help="PyTorch float32 vs bfloat16 matmul GFLOP/s on this CPU (is bf16 training worth it?)")
    _common(p)
    p.add_argument("--size", type=int, default=2048, help="n for the n x n x n product")
    p.add_argument("--runs", type=int, default=5, help="interleaved timed repeats per dtype (medians)")
    p.add_argument("--threads", type=int, default=2, help="torch threads")
    p.set_defaults(func=cmd_bench_matmul)
    from rag_coach.cli.voice import add_bench_parser

    add_bench_parser(bench)  # bench voice


__all__ = ["add_bench_parsers", "add_eval_parsers", "cmd_bench_chat", "cmd_bench_llm", "cmd_bench_load", "cmd_bench_matmul", "cmd_bench_retrieval",
           "cmd_eval_answers", "cmd_eval_evidence", "cmd_eval_feedback", "cmd_eval_gate", "cmd_eval_relevance", "cmd_eval_report",
           "cmd_eval_retrieval", "cmd_eval_signals"]
