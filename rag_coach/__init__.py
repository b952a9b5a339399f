"""rag_coach: a RAG-first, company-specific interview prep assistant (UI-free core)."""

__version__ = "0.1.0"
