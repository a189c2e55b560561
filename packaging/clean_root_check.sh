#!/usr/bin/env bash
# Launch the built app in a minimal root filesystem: the closest thing to a clean machine that a
# build box without containers offers. The root holds only glibc's loader, the system libraries the
# bundle links against (found with ldd: X11/xcb, GL/EGL, fontconfig/freetype, glib/GTK for Qt's
# optional theme plugin ...), fontconfig's configuration, the DejaVu fonts and the C.UTF-8 locale:
# no Python, no pip, no venv, no build tree. Runs --version, simulate, landmark (dlib68), report
# and the GUI (--screenshot on an Xvfb display) inside it. Needs root (chroot, bind mounts).
#
#   sudo packaging/clean_root_check.sh [dist/NeuroFace-Studio] [/tmp/neuroface-cleanroot]
set -euo pipefail
cd "$(dirname "$0")/.."
APP=$(realpath "${1:-dist/NeuroFace-Studio}")
ROOT=${2:-/tmp/neuroface-cleanroot}
[ -x "$APP/neuroface-studio" ] || { echo "no built app at $APP: run packaging/build_linux.sh first" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "run as root (chroot and bind mounts)" >&2; exit 2; }

rm -rf "$ROOT"; mkdir -p "$ROOT"/{opt/app,tmp/.X11-unix,dev,proc,etc,root}
chmod 1777 "$ROOT/tmp"
libs=$(find "$APP" -type f \( -name "*.so*" -o -perm -u+x \) -print0 | xargs -0 file \
  | grep -E "ELF .*(shared object|executable)" | cut -d: -f1 | xargs -n 50 ldd 2>/dev/null \
  | grep -o "=> /[^ ]*" | cut -c4- | grep -v "^$APP" | sort -u)
for l in $libs /lib64/ld-linux-x86-64.so.2; do cp -L --parents "$l" "$ROOT"/; done
cp -r --parents /etc/fonts /usr/share/fonts/truetype/dejavu "$ROOT"/
[ -d /usr/lib/locale/C.utf8 ] && cp -r --parents /usr/lib/locale/C.utf8 "$ROOT"/
echo "root:x:0:0:root:/root:/bin/false" > "$ROOT/etc/passwd"
echo "minimal root: $(echo "$libs" | wc -l) system libraries, $(du -sh "$ROOT" | cut -f1) besides the app" >&2

mount --bind "$APP" "$ROOT/opt/app" && mount -o remount,bind,ro "$ROOT/opt/app"
mount --bind /dev "$ROOT/dev"; mount -t proc proc "$ROOT/proc"
Xvfb :97 -screen 0 1500x900x24 -nolisten tcp >/dev/null 2>&1 & XVFB=$!
mount --bind /tmp/.X11-unix "$ROOT/tmp/.X11-unix"
cleanup() { kill $XVFB 2>/dev/null || true; umount "$ROOT/tmp/.X11-unix" "$ROOT/proc" "$ROOT/dev" "$ROOT/opt/app" 2>/dev/null || true; }
trap cleanup EXIT
sleep 2

app() { /usr/bin/env -i HOME=/root PATH=/opt/app LANG=C.UTF-8 "$@"; }
run() { echo "== neuroface-studio $*" >&2; app /usr/sbin/chroot "$ROOT" /opt/app/neuroface-studio "$@"; }
run --version
run simulate /tmp/p --create --participants 2 --groups HC,ALS --tasks OPEN --fps 10 --duration-scale 0.3 --annotators 0 2>/dev/null
run landmark /tmp/p --model dlib68
run report /tmp/p --participant SIM002 --out /tmp/report.pdf
echo "== neuroface-studio gui /tmp/p --screenshot /tmp/gui.png (Xvfb, xcb)" >&2
app DISPLAY=:97 QT_QPA_PLATFORM=xcb /usr/sbin/chroot "$ROOT" /opt/app/neuroface-studio gui /tmp/p --screenshot /tmp/gui.png
[ -s "$ROOT/tmp/report.pdf" ] && [ -s "$ROOT/tmp/gui.png" ]
echo "ok: the app ran in the minimal root; screenshot $ROOT/tmp/gui.png, report $ROOT/tmp/report.pdf" >&2
