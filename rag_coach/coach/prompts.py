"""Text that reaches a prompt is data: chat-template control sequences are stripped from retrieved and
user text so they cannot forge roles, and retrieved sentences that address the model as instructions
("ignore previous instructions…") are removed before they can become evidence."""

from __future__ import annotations

import re

CONTROL = re.compile(r"<\|[^|>]{1,40}\|>|<(?:start|end)_of_turn>|\[/?INST\]|<</?SYS>>")
SENTENCE = re.compile(r"(?<=[.!?])\s+")
INSTRUCTION_LIKE = re.compile(
    r"\b(ignore|disregard|forget|override)\b[^.!?\n]{0,40}\b(instructions?|rules|prompt|above|previous)\b"
    r"|\b(reply|respond|answer|say)\s+(with\s+)?only\b|\byou are now\b|\bsystem prompt\b|\bnew instructions?\b",
    re.I,
)
REMOVED = "[instruction-like text removed]"


def sanitize(text: str) -> str:
    return CONTROL.sub(" ", text)


def neutralize(text: str) -> str:
    """Retrieved text is reference material: sentences that address the model as instructions are removed."""
    parts = SENTENCE.split(text)
    return " ".join(REMOVED if INSTRUCTION_LIKE.search(p) else p for p in parts)
