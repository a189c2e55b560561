#!/usr/bin/env bash
# Register NeuroFace Studio in the desktop menu of the current user (no root needed).
# Shipped inside the built app folder; run it from there after unpacking the tarball:
#   ./install-desktop-entry.sh            install (Exec= points at this folder)
#   ./install-desktop-entry.sh --remove   uninstall the menu entry and icons
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
ENTRY="$DATA/applications/neuroface-studio.desktop"

if [[ "${1:-}" == "--remove" ]]; then
    rm -f "$ENTRY" "$DATA/icons/hicolor/scalable/apps/neuroface-studio.svg"
    for size in 48 128 256; do rm -f "$DATA/icons/hicolor/${size}x${size}/apps/neuroface-studio.png"; done
    echo "removed $ENTRY and its icons"
    exit 0
fi

mkdir -p "$DATA/applications" "$DATA/icons/hicolor/scalable/apps"
install -m 644 "$HERE/share/icons/neuroface-studio.svg" "$DATA/icons/hicolor/scalable/apps/"
for size in 48 128 256; do
    mkdir -p "$DATA/icons/hicolor/${size}x${size}/apps"
    install -m 644 "$HERE/share/icons/neuroface-studio-$size.png" \
        "$DATA/icons/hicolor/${size}x${size}/apps/neuroface-studio.png"
done
# Absolute path in Exec= (the folder is not on PATH); quoted in case it contains spaces.
sed "s|^Exec=neuroface-studio |Exec=\"$HERE/neuroface-studio\" |" "$HERE/share/neuroface-studio.desktop" > "$ENTRY"
chmod 644 "$ENTRY"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$DATA/applications" || true
echo "installed $ENTRY"
