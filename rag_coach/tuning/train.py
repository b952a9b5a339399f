"""Train a LoRA adapter on the dataset with a plain torch loop, on the served GGUF weights.

The base model is loaded with transformers' GGUF loader (dequantised to float32), so the adapter is
trained against the same weights llama.cpp serves (up to dequantisation). Prompts and tokens come
from :class:`rag_coach.tuning.chat.ServingFormat` (llama.cpp's own formatting); the loss covers
the assistant tokens (and the EOS) only. Examples whose served prompt does not leave room for
target tokens within ``max_length`` are skipped and counted (check prompts are ~500-900 tokens:
use ``--max-length 1536`` to train on them); a long target is cut at ``max_length``.

Outputs in ``out``: ``adapter_model.safetensors`` + ``adapter_config.json`` (PEFT),
``training_log.json`` (arguments, base file and sha256, precision and why, step/loss/seconds/tokens,
median s/step and tokens/s, peak RSS, validation loss before and after), ``loss_curve.png`` and
``checkpoint/`` (:mod:`rag_coach.tuning.checkpoint`: a killed run continues from it when rerun with
the same ``out``). Precision: :mod:`rag_coach.tuning.precision` (bf16 autocast where it is faster).
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from rag_coach.tuning.chat import ServingFormat
from rag_coach.jsonl import read_jsonl
from rag_coach.tuning.trainlog import peak_rss_mb, plot_loss, progress_bar

log = logging.getLogger(__name__)

LOG_FILE = "training_log.json"
PLOT_FILE = "loss_curve.png"  # plot_loss (trainlog) is re-exported here


@dataclass
class TrainConfig:
    rank: int = 8
    alpha: float = 16.0
    target_modules: tuple[str, ...] = ("q_proj", "v_proj")
    steps: int = 20
    lr: float = 2e-4
    max_length: int = 512
    batch_size: int = 1
    tasks: tuple[str, ...] = ()  # empty: all tasks
    limit: int | None = None  # use at most this many training examples
    eval_examples: int = 4  # validation examples for the loss before/after (0: none)
    seed: int = 0
    precision: str = "auto"  # auto (bf16 autocast where faster on this CPU), bf16, fp32
    gradient_checkpointing: bool = False
    checkpoint_every: int = 10  # steps between out/checkpoint/ saves
    resume: bool = True  # continue from out/checkpoint/ when it exists
    max_minutes: float | None = None  # stop (with a checkpoint) before the next step would pass this wall time


@dataclass
class TrainReport:
    out: str
    base: str
    base_sha256: str
    architecture: str
    device: str
    config: dict[str, Any]
    examples: int
    skipped_too_long: int
    load_seconds: float = 0.0
    seconds_per_step: float = 0.0  # median over this run's steps
    tokens_per_second: float = 0.0  # median over this run's steps (prompt + target tokens)
    peak_rss_mb: float = 0.0
    precision: str = "fp32"
    precision_reason: str = ""
    resumed_from: int = 0  # step of the checkpoint this run continued from (0: fresh)
    steps_done: int = 0  # below config steps where --max-minutes stopped the run
    val_loss_before: float | None = None
    val_loss_after: float | None = None
    log: list[dict[str, float]] = field(default_factory=list)


Encoded = tuple[list[int], list[int]]


def encode_examples(fmt: ServingFormat, examples: list[dict[str, Any]], max_length: int) -> tuple[list[Encoded], int]:
    """(input ids, labels) per example, prompt labels masked with -100; returns also the number skipped."""
    out: list[Encoded] = []
    skipped = 0
    for ex in examples:
        prompt, target = fmt.encode(ex["messages"])
        room = max_length - len(prompt)
        if room < min(8, len(target)):
            skipped += 1
            continue
        target = target[:room]
        out.append((prompt + target, [-100] * len(prompt) + target))
    return out, skipped


def load_base_model(gguf_path: Path, device: str = "cpu") -> Any:
    """transformers' GGUF loader, float32. The result cannot save_pretrained (its config carries the gguf quantization)."""
    import torch
    from transformers import AutoModelForCausalLM

    path = Path(gguf_path)
    model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=torch.float32)
    return model.to(device)


def _batch(items: list[Encoded], pad_id: int, device: str) -> dict[str, Any]:
    import torch

    width = max(len(ids) for ids, _ in items)
    ids = [i + [pad_id] * (width - len(i)) for i, _ in items]
    labels = [lab + [-100] * (width - len(lab)) for _, lab in items]
    mask = [[1] * len(i) + [0] * (width - len(i)) for i, _ in items]
    return {k: torch.tensor(v, device=device) for k, v in (("input_ids", ids), ("labels", labels), ("attention_mask", mask))}


def target_loss(model: Any, batch: dict[str, Any]) -> Any:
    """Mean cross-entropy on the target tokens, projecting onto the vocabulary only from the first target position.

    Gemma's 262k-token head dominates the cost if applied to every prompt position (``logits_to_keep``).
    """
    import torch

    labels = batch["labels"]
    first = int((labels != -100).int().argmax(dim=1).min())  # earliest target position in the batch
    keep = torch.arange(first - 1, labels.shape[1] - 1, device=labels.device)
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], logits_to_keep=keep).logits
    targets = labels[:, first:]
    return torch.nn.functional.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)


def _mean_loss(model: Any, items: list[Encoded], pad_id: int, device: str,
               cast: Callable[[], Any] = contextlib.nullcontext) -> float | None:
    import torch

    if not items:
        return None
    model.eval()
    with torch.no_grad(), cast():
        losses = [float(target_loss(model, _batch([item], pad_id, device))) for item in items]
    model.train()
    return sum(losses) / len(losses)


def spread_validation(rows: list[dict[str, Any]], n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` validation rows taken in turn from each (task, short target) group after a seeded shuffle.

    The dataset lists rows question by question, so its first rows are one task and one answer
    (the first four check rows all say "yes"): a loss on them rewards a model that always says yes.
    """
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in shuffled:
        target = str(row["messages"][-1]["content"]).strip().lower()
        groups.setdefault((row["task"], target if len(target) <= 3 else ""), []).append(row)
    picked: list[dict[str, Any]] = []
    queues = [groups[k] for k in sorted(groups)]
    while len(picked) < n and any(queues):
        for queue in queues:
            if queue and len(picked) < n:
                picked.append(queue.pop(0))
    return picked


def _prepare(dataset: Path, config: TrainConfig, fmt: ServingFormat) -> tuple[list[Encoded], int, list[Encoded]]:
    rows = read_jsonl(dataset)
    if config.tasks:
        rows = [r for r in rows if r["task"] in config.tasks]
    train_rows = [r for r in rows if r["split"] == "train"]
    random.Random(config.seed).shuffle(train_rows)
    items, skipped = encode_examples(fmt, train_rows, config.max_length)
    items = items[: config.limit] if config.limit else items
    if not items:
        raise ValueError(f"no training example fits in --max-length {config.max_length} ({skipped} too long); raise it")
    if skipped:
        log.warning("%d of %d training examples do not fit in %d tokens and are skipped", skipped, len(train_rows), config.max_length)
    val_rows = spread_validation([r for r in rows if r["split"] == "validation"], config.eval_examples, config.seed)
    val_items, _ = encode_examples(fmt, val_rows, config.max_length)
    return items, skipped, val_items


def train(base: Path, dataset: Path, out: Path, config: TrainConfig) -> TrainReport:
    """Train (or continue the run in ``out/checkpoint/``) and write the adapter, log and loss curve to ``out``."""
    import torch
    from peft import LoraConfig, get_peft_model

    from rag_coach.llm.adapter import read_header
    from rag_coach.llm.models import sha256_of
    from rag_coach.tuning import checkpoint as ckpt
    from rag_coach.tuning.precision import autocast_context, choose_precision

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    fmt = ServingFormat(base)
    items, skipped, val_items = _prepare(dataset, config, fmt)
    header = read_header(base)
    config_dict = {**asdict(config), "target_modules": list(config.target_modules), "tasks": list(config.tasks)}
    report = TrainReport(str(out), str(base), sha256_of(base), header.architecture, device, config_dict, len(items), skipped)
    run_id = ckpt.fingerprint(report.base_sha256, dataset, config_dict)
    if not config.resume:
        ckpt.clear_checkpoint(out)
    saved = ckpt.read_checkpoint(out, run_id) if config.resume else None  # a mismatch fails before the slow load
    precision = choose_precision(config.precision, device, threads=torch.get_num_threads())
    report.precision, report.precision_reason = precision.name, precision.reason
    start = time.perf_counter()
    model = load_base_model(base, device)
    report.load_seconds = round(time.perf_counter() - start, 1)
    log.info("loaded %s in %.0f s on %s; %d training examples", base.name, report.load_seconds, device, len(items))
    if config.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.config.use_cache = False
    lora = LoraConfig(r=config.rank, lora_alpha=config.alpha, target_modules=list(config.target_modules), lora_dropout=0.0,
                      bias="none", task_type="CAUSAL_LM")
    model = get_peft_model(model, lora)
    model.train()
    pad_id = int(fmt._llm.token_eos())
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=0.0)
    order, cursor, done = list(range(len(items))), 0, 0
    state = ckpt.restore_checkpoint(saved, model, optimizer) if saved else None
    cast = partial(autocast_context, precision, device)
    if state:
        order, cursor, done, report.log = state["order"], state["cursor"], state["step"], state["log"]
        report.val_loss_before, report.resumed_from = state["val_loss_before"], done
    else:
        report.val_loss_before = _mean_loss(model, val_items, pad_id, device, cast)
    bar = progress_bar(done, config.steps)
    loop_start = time.perf_counter()
    for step in range(done + 1, config.steps + 1):
        t0 = time.perf_counter()
        picked = []
        for _ in range(config.batch_size):
            if cursor == 0:
                random.Random(config.seed + step).shuffle(order)
            picked.append(items[order[cursor]])
            cursor = (cursor + 1) % len(order)
        with cast():  # per forward: autocast caches bf16 copies of trainable weights until the context exits
            loss = target_loss(model, _batch(picked, pad_id, device))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        seconds = time.perf_counter() - t0
        tokens = sum(len(ids) for ids, _ in picked)
        report.log.append({"step": step, "loss": round(float(loss.detach()), 4), "seconds": round(seconds, 2),
                           "tokens": tokens, "tokens_per_s": round(tokens / seconds, 1)})
        per_step = statistics.median(e["seconds"] for e in report.log[done:])
        eta = per_step * (config.steps - step)
        log.info("step %d/%d loss %.4f (%.1f s, %.0f tok/s, ETA %.0f s)", step, config.steps, report.log[-1]["loss"],
                 seconds, tokens / seconds, eta)
        if bar is not None:
            bar.set_postfix(loss=report.log[-1]["loss"], tok_s=report.log[-1]["tokens_per_s"])
            bar.update(1)
        over = config.max_minutes is not None and time.perf_counter() - loop_start + per_step > 60 * config.max_minutes
        if step % config.checkpoint_every == 0 or step == config.steps or over:
            ckpt.save_checkpoint(out, model, optimizer, {"step": step, "cursor": cursor, "order": order, "log": report.log,
                                                         "val_loss_before": report.val_loss_before, "fingerprint": run_id})
        if over:
            log.warning("stopping after step %d of %d: --max-minutes %s reached", step, config.steps, config.max_minutes)
            break
    if bar is not None:
        bar.close()
    report.val_loss_after = _mean_loss(model, val_items, pad_id, device, cast)
    _summarise(report, done)
    model.save_pretrained(str(out))
    (out / LOG_FILE).write_text(json.dumps(asdict(report), indent=2), encoding="utf-8")
    plot_loss(report.log, out / PLOT_FILE, title=f"LoRA r={config.rank} on {base.name} ({precision.name})")
    log.info("adapter saved to %s (%.2f s/step, %.0f tok/s median, %s, peak RSS %.0f MB)", out, report.seconds_per_step,
             report.tokens_per_second, precision.name, report.peak_rss_mb)
    return report


def _summarise(report: TrainReport, done: int) -> None:
    """Medians over this run's steps (a resumed run: the steps after the checkpoint), peak RSS."""
    steps = report.log[done:] or report.log
    if steps:
        report.seconds_per_step = round(statistics.median(e["seconds"] for e in steps), 2)
        report.tokens_per_second = round(statistics.median(e.get("tokens_per_s", 0.0) for e in steps), 1)
    report.steps_done = report.log[-1]["step"] if report.log else 0
    report.peak_rss_mb = peak_rss_mb()
