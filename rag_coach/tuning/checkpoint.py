"""Resumable training: ``out/checkpoint/`` holds everything a killed `tune train` needs to continue.

Every ``--checkpoint-every`` steps: the LoRA weights, the AdamW state, the step, the data cursor and
shuffled order, the step log and validation loss so far, and the torch/python RNG states
(``state.pt``, written to a temporary file and renamed, so a kill mid-write leaves the previous
checkpoint). A rerun with the same ``out`` and the same run settings (``fingerprint``: base sha256,
dataset, every config field except ``steps``) continues from it; a different fingerprint is
refused, since mixing two runs' state would make the result meaningless. ``steps`` may be raised
to train on.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CHECKPOINT_DIR = "checkpoint"
STATE_FILE = "state.pt"


class CheckpointMismatch(ValueError):
    """out/checkpoint/ belongs to a run with other settings."""


def fingerprint(base_sha256: str, dataset: Path, config: dict[str, Any]) -> str:
    """sha256 over the base, the dataset bytes and the config without ``steps`` (and without resume knobs)."""
    digest = hashlib.sha256(base_sha256.encode())
    digest.update(Path(dataset).read_bytes())
    ignored = {"steps", "checkpoint_every", "resume", "max_minutes"}
    digest.update(repr(sorted((k, v) for k, v in config.items() if k not in ignored)).encode())
    return digest.hexdigest()


def save_checkpoint(out: Path, model: Any, optimizer: Any, state: dict[str, Any]) -> Path:
    """Write ``out/checkpoint/state.pt`` atomically; ``state`` carries step, cursor, order, log, fingerprint."""
    import torch
    from peft import get_peft_model_state_dict

    folder = Path(out) / CHECKPOINT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    payload = {**state, "adapter": {k: v.detach().cpu().clone() for k, v in get_peft_model_state_dict(model).items()},
               "optimizer": optimizer.state_dict(), "torch_rng": torch.get_rng_state(), "python_rng": random.getstate()}
    tmp = folder / (STATE_FILE + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, folder / STATE_FILE)
    log.info("checkpoint at step %d in %s", state["step"], folder)
    return folder / STATE_FILE


def read_checkpoint(out: Path, expected_fingerprint: str) -> dict[str, Any] | None:
    """The checkpoint in ``out`` (None: none), refused when it belongs to other settings; read before the model loads."""
    import torch

    path = Path(out) / CHECKPOINT_DIR / STATE_FILE
    if not path.is_file():
        return None
    payload: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=False)  # our own file (save_checkpoint)
    if payload.get("fingerprint") != expected_fingerprint:
        raise CheckpointMismatch(f"{path} is from a run with another base, dataset or settings: "
                                 "use another --out, the same settings, or --no-resume to start over")
    return payload


def restore_checkpoint(payload: dict[str, Any], model: Any, optimizer: Any) -> dict[str, Any]:
    """Put the adapter, optimizer and RNG states of ``payload`` back; the rest (step, cursor, order, log)."""
    import torch
    from peft import set_peft_model_state_dict

    rest = dict(payload)
    set_peft_model_state_dict(model, rest.pop("adapter"))
    optimizer.load_state_dict(rest.pop("optimizer"))
    torch.set_rng_state(rest.pop("torch_rng"))
    random.setstate(rest.pop("python_rng"))
    log.info("resuming from step %d", rest["step"])
    return rest


def clear_checkpoint(out: Path) -> None:
    """Remove ``out/checkpoint/`` (a fresh start with --no-resume)."""
    folder = Path(out) / CHECKPOINT_DIR
    for name in (STATE_FILE, STATE_FILE + ".tmp"):
        (folder / name).unlink(missing_ok=True)
