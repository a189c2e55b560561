#!/usr/bin/env bash
# Build the Linux app folder and tarball with PyInstaller (one-folder build).
#
#   packaging/build_linux.sh [--clean] [--no-tar]
#
# Uses the repository's venv (.venv, or $NEUROFACE_VENV); installs PyInstaller through the
# project's `packaging` extra when it is missing. Outputs (all git-ignored):
#   dist/NeuroFace-Studio/                         the app: run dist/NeuroFace-Studio/neuroface-studio
#   dist/NeuroFace-Studio-<version>-linux-<arch>.tar.gz
#   build/pyinstaller/                             PyInstaller's work folder (reused unless --clean)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${NEUROFACE_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
APP=NeuroFace-Studio
DIST="$ROOT/dist"
WORK="$ROOT/build/pyinstaller"
CLEAN=()
TARBALL=1
for arg in "$@"; do
    case "$arg" in
        --clean) CLEAN=(--clean) ;;   # rebuild from scratch (PyInstaller's caches in build/)
        --no-tar) TARBALL=0 ;;        # only the app folder (a test run; gzip of ~1.5 GB takes minutes)
        *) sed -n '2,11p' "$0"; exit 2 ;;
    esac
done

cd "$ROOT"
[[ -x "$PY" ]] || { echo "error: no Python at $PY (create the venv with scripts/run.sh first)" >&2; exit 2; }

if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    echo "installing PyInstaller (pip install -e '.[packaging]')"
    "$PY" -m pip install --quiet -e "$ROOT[packaging]"
fi

VERSION="$("$PY" -c 'import neuroface_studio; print(neuroface_studio.__version__)')"
ARCH="$(uname -m)"
START=$(date +%s)
echo "building $APP $VERSION with PyInstaller $("$PY" -c 'import PyInstaller; print(PyInstaller.__version__)') (nice -n 10)"

nice -n 10 "$PY" -m PyInstaller --noconfirm "${CLEAN[@]}" --log-level WARN \
    --distpath "$DIST" --workpath "$WORK" "$ROOT/packaging/neuroface-studio.spec"

OUT="$DIST/$APP"
# Desktop integration: the entry and icons travel with the app; install-desktop-entry.sh
# registers them for the current user with the folder's real path in Exec=.
mkdir -p "$OUT/share/icons"
cp "$ROOT/packaging/neuroface-studio.desktop" "$OUT/share/"
cp "$ROOT"/packaging/icons/neuroface-studio.svg "$ROOT"/packaging/icons/neuroface-studio-*.png "$OUT/share/icons/"
cp "$ROOT/packaging/install-desktop-entry.sh" "$OUT/"
chmod +x "$OUT/install-desktop-entry.sh"

BUILT=$(date +%s)
TAR="$DIST/$APP-$VERSION-linux-$ARCH.tar.gz"
rm -f "$TAR"
if [[ $TARBALL == 1 ]]; then
    tar -C "$DIST" -cf - "$APP" | nice -n 10 gzip -6 > "$TAR"
fi
END=$(date +%s)

echo
echo "app folder : $OUT ($(du -sh "$OUT" | cut -f1), $(find "$OUT" -type f | wc -l) files)"
[[ $TARBALL == 1 ]] && echo "tarball    : $TAR ($(du -h "$TAR" | cut -f1))"
echo "time       : PyInstaller $((BUILT - START)) s, tar.gz $((END - BUILT)) s, total $((END - START)) s"
echo "run        : $OUT/neuroface-studio --help"
