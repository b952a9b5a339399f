"""Train a LoRA adapter on the dataset with a plain torch loop, on the served GGUF weights.

The base model is loaded with transformers' GGUF loader (dequantised to float32), so the adapter is
trained against the same weights llama.cpp serves (up to dequantisation). Prompts and tokens come
from :class:`rag_coach.tuning.chat.ServingFormat` (llama.cpp's own formatting); the loss covers
the assistant tokens (and the EOS) only. Examples whose served prompt does not leave room for
target tokens within ``max_length`` are skipped and counted (check prompts are ~500-900 tokens:
use ``--max-length 1536`` to train on them); a long target is cut at ``max_length``.

Outputs in ``out``: ``adapter_model.safetensors`` + ``adapter_config.json`` (PEFT),
``training_log.json`` (arguments, base file and sha256, step/loss/seconds, validation loss before
and after) and ``loss_curve.png``.
"""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rag_coach.tuning.chat import ServingFormat
from rag_coach.jsonl import read_jsonl

log = logging.getLogger(__name__)

LOG_FILE = "training_log.json"
PLOT_FILE = "loss_curve.png"


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
    seconds_per_step: float = 0.0
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


def _mean_loss(model: Any, items: list[Encoded], pad_id: int, device: str) -> float | None:
    import torch

    if not items:
        return None
    model.eval()
    with torch.no_grad():
        losses = [float(target_loss(model, _batch([item], pad_id, device))) for item in items]
    model.train()
    return sum(losses) / len(losses)


def train(base: Path, dataset: Path, out: Path, config: TrainConfig) -> TrainReport:
    import torch
    from peft import LoraConfig, get_peft_model

    from rag_coach.llm.adapter import read_header
    from rag_coach.llm.models import sha256_of

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    rows = read_jsonl(dataset)
    if config.tasks:
        rows = [r for r in rows if r["task"] in config.tasks]
    train_rows = [r for r in rows if r["split"] == "train"]
    random.Random(config.seed).shuffle(train_rows)
    fmt = ServingFormat(base)
    items, skipped = encode_examples(fmt, train_rows, config.max_length)
    items = items[: config.limit] if config.limit else items
    if not items:
        raise ValueError(f"no training example fits in --max-length {config.max_length} ({skipped} too long); raise it")
    if skipped:
        log.warning("%d of %d training examples do not fit in %d tokens and are skipped", skipped, len(train_rows), config.max_length)
    val_rows = [r for r in rows if r["split"] == "validation"][: config.eval_examples]
    val_items, _ = encode_examples(fmt, val_rows, config.max_length)
    header = read_header(base)
    report = TrainReport(str(out), str(base), sha256_of(base), header.architecture, device,
                         {**asdict(config), "target_modules": list(config.target_modules), "tasks": list(config.tasks)},
                         len(items), skipped)
    start = time.perf_counter()
    model = load_base_model(base, device)
    report.load_seconds = round(time.perf_counter() - start, 1)
    log.info("loaded %s in %.0f s on %s; %d training examples", base.name, report.load_seconds, device, len(items))
    lora = LoraConfig(r=config.rank, lora_alpha=config.alpha, target_modules=list(config.target_modules), lora_dropout=0.0,
                      bias="none", task_type="CAUSAL_LM")
    model = get_peft_model(model, lora)
    model.train()
    pad_id = int(fmt._llm.token_eos())
    report.val_loss_before = _mean_loss(model, val_items, pad_id, device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=0.0)
    order = list(range(len(items)))
    cursor = 0
    loop_start = time.perf_counter()
    for step in range(1, config.steps + 1):
        t0 = time.perf_counter()
        picked = []
        for _ in range(config.batch_size):
            if cursor == 0:
                random.Random(config.seed + step).shuffle(order)
            picked.append(items[order[cursor]])
            cursor = (cursor + 1) % len(order)
        loss = target_loss(model, _batch(picked, pad_id, device))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        report.log.append({"step": step, "loss": round(float(loss.detach()), 4), "seconds": round(time.perf_counter() - t0, 2)})
        log.info("step %d/%d loss %.4f (%.1f s)", step, config.steps, report.log[-1]["loss"], report.log[-1]["seconds"])
    report.seconds_per_step = round((time.perf_counter() - loop_start) / max(1, config.steps), 2)
    report.val_loss_after = _mean_loss(model, val_items, pad_id, device)
    model.save_pretrained(str(out))
    (out / LOG_FILE).write_text(json.dumps(asdict(report), indent=2), encoding="utf-8")
    plot_loss(report.log, out / PLOT_FILE, title=f"LoRA r={config.rank} on {base.name}")
    log.info("adapter saved to %s (%.2f s/step)", out, report.seconds_per_step)
    return report


def plot_loss(entries: list[dict[str, float]], path: Path, title: str = "training loss") -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot([e["step"] for e in entries], [e["loss"] for e in entries], marker="o", markersize=3)
    ax.set_xlabel("step")
    ax.set_ylabel("loss (assistant tokens)")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
