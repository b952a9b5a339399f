"""Errors that are the user's to fix: the CLI and UI show their message, never a traceback."""

from __future__ import annotations

from pydantic import ValidationError

from rag_coach.documents.models import DocumentError
from rag_coach.documents.registry import RegistryError
from rag_coach.index.embedding import EmbeddingModelError
from rag_coach.index.store import IndexError_
from rag_coach.llm.base import LLMError
from rag_coach.voice.errors import VoiceError

UserFacingError = (LLMError, DocumentError, RegistryError, EmbeddingModelError, IndexError_, VoiceError, FileNotFoundError,
                   ValidationError)


def friendly(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        return f"invalid setting '{loc}': {err['msg']} (check flags, RAG_COACH_* variables and the config file)"
    return str(exc)
