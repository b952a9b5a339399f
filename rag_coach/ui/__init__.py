"""The Gradio app: a thin layer over the core services (no retrieval, prompt or scoring logic here)."""
