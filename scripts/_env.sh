# Shared setup for scripts/test, scripts/demo and scripts/bench: a private uv, and venvs made
# with it. Sourced, not run. Everything lands in .tools/ and .venvs/ (git-ignored).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
UV="$ROOT/.tools/bin/uv"
if [ ! -x "$UV" ]; then
  echo "==> installing uv into .tools/" >&2
  "$PY" -m venv .tools
  .tools/bin/python -m pip install -q --disable-pip-version-check "uv>=0.4,<1"
fi
export UV_NO_PROGRESS=1

# find_python VERSION: an interpreter of that minor version (pyenv, PATH), or python3 as fallback.
find_python() {
  local v="$1" p
  for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python"$v" "$(command -v "python$v" 2>/dev/null || true)"; do
    if [ -x "$p" ] && "$p" -c 'import sys' >/dev/null 2>&1; then echo "$p"; return 0; fi
  done
  echo "warning: no Python $v found, using $PY" >&2
  command -v "$PY"
}

# make_venv DIR PYTHON REQUIREMENT...: (re)use a venv and install the project plus requirements.
make_venv() {
  local dir="$1" python="$2"; shift 2
  if [ ! -x "$dir/bin/python" ]; then
    "$UV" venv -q --python "$python" "$dir"
  fi
  "$UV" pip install -q --python "$dir/bin/python" "$@"
}
