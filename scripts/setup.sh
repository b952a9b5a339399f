#!/usr/bin/env bash
# Create .venv and install rag_coach with everything it needs (idempotent; re-running is cheap).
# Usage: scripts/setup.sh [extra ...]   e.g. scripts/setup.sh test
#
# llama-cpp-python is compiled from source once per (version, build flags, compiler, CPU) and the wheel
# is kept in a folder named by that key, so a wheel built with other flags is never reused silently.
# The build is native (all the SIMD this CPU has, AVX-512/VNNI and weight repacking included) but
# without ggml's AMX kernels: on virtual machines that advertise AMX they fault at `ldtilecfg`
# (see README, "Embedded model build"). Override with LLAMA_CMAKE_ARGS / LLAMA_CFLAGS.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
"$PY" - <<'PYCHECK' || { echo "rag_coach needs Python >= 3.11 (set PYTHON=/path/to/python3.11)" >&2; exit 1; }
import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)
PYCHECK

if [ ! -x .venv/bin/python ]; then
  echo "==> creating virtual environment .venv"
  "$PY" -m venv .venv
fi

LLAMA_VERSION=0.3.36
LLAMA_CMAKE_ARGS=${LLAMA_CMAKE_ARGS:--DGGML_NATIVE=ON}
if [ -z "${LLAMA_CFLAGS+x}" ]; then
  case "$(uname -m)" in
    x86_64|amd64) LLAMA_CFLAGS="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16" ;;
    *) LLAMA_CFLAGS="" ;;
  esac
fi
cpu_flags=$(grep -m1 -E '^(flags|Features)' /proc/cpuinfo 2>/dev/null || uname -m)
compiler=$( (cc --version 2>/dev/null || echo none) | head -1)
key=$(printf '%s\n' "$LLAMA_VERSION" "$LLAMA_CMAKE_ARGS" "$LLAMA_CFLAGS" "$compiler" "$(uname -m)" "$cpu_flags" | sha256sum | cut -c1-12)
wheel_dir="${RAG_COACH_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rag_coach/wheels}/llama-cpp-python-${LLAMA_VERSION}-${key}"
if ! ls "$wheel_dir"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
  echo "==> compiling llama-cpp-python ${LLAMA_VERSION} (once per build key ${key}; about 11 minutes on 2 cores)"
  echo "    CMAKE_ARGS='${LLAMA_CMAKE_ARGS}' CFLAGS='${LLAMA_CFLAGS}'"
  .venv/bin/python -m pip install --quiet --upgrade pip
  mkdir -p "$wheel_dir.partial"
  CMAKE_ARGS="$LLAMA_CMAKE_ARGS" CFLAGS="$LLAMA_CFLAGS" CXXFLAGS="$LLAMA_CFLAGS" \
    CMAKE_BUILD_PARALLEL_LEVEL="$(nproc 2>/dev/null || echo 2)" \
    .venv/bin/python -m pip wheel --no-deps --no-cache-dir --no-binary llama-cpp-python \
      "llama-cpp-python==${LLAMA_VERSION}" -w "$wheel_dir.partial"
  printf 'CMAKE_ARGS=%s\nCFLAGS=%s\ncompiler=%s\n' "$LLAMA_CMAKE_ARGS" "$LLAMA_CFLAGS" "$compiler" >"$wheel_dir.partial/BUILD_FLAGS"
  rm -rf "$wheel_dir" && mv "$wheel_dir.partial" "$wheel_dir"   # publish only a finished build
fi
if [ ! -f ".venv/.llama-${key}" ]; then
  echo "==> installing llama-cpp-python ${LLAMA_VERSION} from ${wheel_dir}"
  .venv/bin/python -m pip install --quiet --force-reinstall --no-deps --no-index --find-links "$wheel_dir" \
    "llama-cpp-python==${LLAMA_VERSION}"
  rm -f .venv/.llama-* && touch ".venv/.llama-${key}"
fi

extras=""
if [ $# -gt 0 ]; then extras="[$(IFS=,; echo "$*")]"; fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)${extras}"
if [ ! -f "$stamp" ]; then
  echo "==> installing rag_coach${extras} (torch is pinned to the 2.13.0 CPU build)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --progress-bar on -e ".${extras}"
  touch "$stamp"
fi
