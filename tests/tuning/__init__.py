"""Tests for rag_coach.tuning: dataset, training, GGUF export."""
