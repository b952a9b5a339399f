"""Behaviour tuning: LoRA datasets, training, and GGUF adapter export."""
