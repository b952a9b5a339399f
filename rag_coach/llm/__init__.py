"""Local model backends (embedded llama.cpp, Ollama), model download, LoRA adapter slot."""
