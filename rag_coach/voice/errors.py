"""The voice error: one sentence the CLI and the UI show as is."""

from __future__ import annotations


class VoiceError(RuntimeError):
    """Audio that cannot be transcribed (silence, not audio, too large, unsupported codec) or a missing speech model."""
