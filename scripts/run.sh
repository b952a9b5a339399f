#!/usr/bin/env bash
# Fresh machine → running product on the embedded defaults: install, index the corpus, start.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False
echo "==> indexing corpus/ into indexes/ (incremental)"
.venv/bin/rag-coach ingest || [ $? -eq 3 ]   # 3 = some file skipped, the rest indexed
.venv/bin/rag-coach stats
echo "==> example retrieval"
.venv/bin/rag-coach retrieve "${1:-how does the Amazon bar raiser decide}" --company amazon --round behavioral --top-k 3
