#!/usr/bin/env bash
# Set up a machine for this project: system packages (Java for tabula-py, a CJK font for the
# figures), a virtual environment in .venv, and the package with its test extra.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# --- system packages -------------------------------------------------------------------------
need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
fonts=$(fc-list 2>/dev/null || true)  # not piped into grep -q: with pipefail, SIGPIPE would read as "missing"
if ! grep -qi "Noto Sans CJK\|Noto Sans SC\|Source Han Sans" <<<"$fonts"; then
  need_apt+=(fonts-noto-cjk fontconfig)
fi
# the headless-browser test (tests/test_browser.py) drives Debian's chromium; tools may not download browsers
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need_apt+=(chromium)
# OCR (rapidocr) pulls opencv-python, whose cv2 links libGL.so.1 and libglib (absent on a bare Debian)
libs=$(ldconfig -p 2>/dev/null || true)  # not piped into grep -q (pipefail, as above)
grep -q 'libGL\.so\.1 ' <<<"$libs" || need_apt+=(libgl1)
grep -q 'libglib-2\.0\.so\.0 ' <<<"$libs" || need_apt+=(libglib2.0-0)
if [ ${#need_apt[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    say "installing system packages: ${need_apt[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    say "WARNING: no apt-get here; install yourself: a Java runtime (>= 8) for tabula-py and the"
    say "         Noto Sans CJK font (or set JUESUAN_CJK_FONT=/path/to/font) for Chinese figures."
  fi
fi

# --- Python environment ----------------------------------------------------------------------
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for cand in python3.11 python3.12 python3.13 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      PY=$cand; break
    fi
  done
fi
[ -n "$PY" ] || { say "Python >= 3.11 is required"; exit 1; }
if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
say "installing the project and its dependencies (pyproject.toml) into .venv"
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[test]"
.venv/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (juesuan)" >/dev/null
say "ready: .venv/bin/python -m helpers --help"
