#!/usr/bin/env bash
# The course's two entry points (see README.md):
#
#   bash course.sh lab    set up .venv on first use, then open the course in JupyterLab
#   bash course.sh test   set up .venv on first use, then run the whole test suite:
#                         pytest for helpers/, every notebook under nbval, then the widgets
#                         in a browser (needs Debian/Ubuntu's chromium package), in order
#
# Extra arguments go to JupyterLab (lab) or pytest (test), e.g.
#   bash course.sh lab --no-browser --port 8899
#   COURSE_PROFILE=quick bash course.sh test -x
# Environment: PYTHON (interpreter to build .venv with, default python3), COURSE_PROFILE
# (full|quick), COURSE_DATA_MIRROR (offline dataset folder), COURSE_CACHE_DIR (download cache).
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv

setup() {
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "course.sh: '$PYTHON' not found. Install Python 3.10-3.13 (or set PYTHON=/path/to/python3)." >&2
    exit 1
  fi
  if ! "$PYTHON" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 13)))'; then
    echo "course.sh: TensorFlow 2.21 needs Python 3.10-3.13; '$PYTHON' is $("$PYTHON" --version 2>&1). Set PYTHON=python3.11 (for example)." >&2
    exit 1
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    echo "course.sh: creating $VENV ..."
    if ! "$PYTHON" -m venv "$VENV"; then
      rm -rf "$VENV"
      echo "course.sh: 'python3 -m venv' failed. On Debian/Ubuntu: sudo apt-get install python3-venv (then run this again)." >&2
      exit 1
    fi
  fi
  # Re-install only when requirements.txt or pyproject.toml changed since the last install.
  local want have stamp="$VENV/.installed-from"
  want=$("$VENV/bin/python" -c 'import hashlib,sys; print(hashlib.sha256(b"".join(open(f,"rb").read() for f in sys.argv[1:])).hexdigest())' requirements.txt pyproject.toml)
  have=$(cat "$stamp" 2>/dev/null || true)
  if [ "$want" != "$have" ]; then
    echo "course.sh: installing the course's packages into $VENV (TensorFlow is ~300 MB; a minute or two) ..."
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -r requirements.txt
    echo "$want" > "$stamp"
  fi
}

# TensorFlow's C++ log: errors only (2 keeps them visible), and no start-up banner
# (see helpers.runtime.import_tensorflow)
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
export COURSE_HIDE_TF_BANNER=${COURSE_HIDE_TF_BANNER:-1}

case "${1:-}" in
  lab)
    shift
    setup
    exec "$VENV/bin/jupyter" lab notebooks "$@"
    ;;
  test)
    shift
    setup
    # Unit tests first, then the exercises' worked solutions (solutions/: they prove the graders
    # accept correct answers), then every notebook top to bottom in a fresh kernel of this venv, then
    # the widgets in JupyterLab in headless Chromium (browser_tests/: they load the models the
    # notebooks just saved, so they come last; they skip, saying why, without chromium, and
    # fail instead under CI=true).
    # --nbval-lax: a notebook fails on any error, including its own outcome checks (asserts);
    # cells marked "# NBVAL_CHECK_OUTPUT" must also reproduce their stored output exactly.
    exec "$VENV/bin/python" -m pytest tests solutions notebooks browser_tests \
      --nbval-lax --nbval-current-env --nbval-cell-timeout=1800 "$@"
    ;;
  *)
    echo "usage: bash course.sh lab|test [extra arguments]" >&2
    exit 2
    ;;
esac
