"""The simulated participant as a live camera: try the app, the recorder and pose feedback
without a RealSense.

One recording plan of the simulated clinic (:mod:`neuroface_studio.simulation.clinic`) is
played back and forth (ping-pong, so head pose and face move continuously) for as long as
needed; frames are rendered on demand (~10 ms for VGA colour + depth). With ``realtime=True``
the source behaves like a camera: frame ``k`` is "captured" at ``open time + k / fps``; a
consumer that reads early waits for the next capture, one that reads late gets the newest
capture and the skipped frame numbers show up as device-side drops. ``realtime=False`` hands
out every frame at once (tests, benchmarks).
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np

from neuroface_studio.acquisition.source import Frame, SourceError
from neuroface_studio.domain.camera import CameraInfo
from neuroface_studio.domain.participants import Group
from neuroface_studio.domain.protocol import Task
from neuroface_studio.simulation.clinic import make_identity, plan_recording, render_frame

#: Repetitions and category of the simulator's tasks, used when no :class:`Task` is given.
_TASKS = {
    "BBP": (10, "speech"), "PA": (None, "speech"), "PATAKA": (None, "speech"), "BLOW": (5, "nonspeech"),
    "KISS": (5, "nonspeech"), "OPEN": (5, "nonspeech"), "SPREAD": (5, "nonspeech"),
    "SMILE": (5, "nonspeech"), "BROW": (5, "nonspeech"), "REST": (None, "rest"),
}


def default_task(code: str) -> Task:
    """A protocol-like :class:`Task` for one of the simulator's task codes."""
    code = code.upper()
    if code not in _TASKS:
        raise ValueError(f"the simulated participant cannot perform task {code!r}; known: {', '.join(_TASKS)}")
    reps, category = _TASKS[code]
    return Task(code=code, name=code, instruction="", repetitions=reps, segmented=code != "REST",
                category=category, duration_s=20.0 if code == "REST" else None)


class SyntheticSource:
    """A simulated participant performing ``task_code`` in front of a simulated D400.

    duration_s: None = endless (like a camera); else ``read`` returns None once the frame
    index reaches ``round(duration_s * fps)`` (for a live source, after waiting ``timeout_s``).
    turn_away: None lets chance decide whether the participant looks away once per plan,
    True/False forces it. ``task`` overrides the built-in task description for ``task_code``.
    prerender: render this many plan frames once at ``open`` and play only those (ping-pong):
    then frames cost nothing to deliver, as from a real camera (benchmarks of the recorder).
    """

    def __init__(self, participant_id: str = "LIVE01", group: Group | str = Group.HC, task_code: str = "OPEN",
                 fps: float = 60.0, seed: int = 0, duration_s: float | None = None, realtime: bool = True,
                 turn_away: bool | None = None, task: Task | None = None, prerender: int = 0) -> None:
        if fps <= 0:
            raise ValueError("fps must be positive")
        self.identity = make_identity(participant_id, group if isinstance(group, Group) else Group.parse(group),
                                      seed=seed)
        self.plan = plan_recording(self.identity, task or default_task(task_code), fps=fps, seed=seed,
                                   turn_away=turn_away)
        self.realtime = bool(realtime)
        self.is_live = self.realtime
        self.n_frames = None if duration_s is None else max(int(round(duration_s * fps)), 1)
        self._fps = float(fps)
        self._t0: float | None = None
        self._next = 0
        self._closed = threading.Event()
        self._prerender = min(int(prerender), self.plan.n_frames)
        self._cache: list[tuple[np.ndarray, np.ndarray]] = []

    # -- FrameSource ----------------------------------------------------------------
    @property
    def camera(self) -> CameraInfo:
        return self.plan.camera

    @property
    def fps(self) -> float:
        return self._fps

    def open(self) -> None:
        """Start the (simulated) camera clock: frame k is captured at open time + k / fps."""
        self._closed.clear()
        if self._prerender and not self._cache:
            self._cache = [render_frame(self.identity, self.plan, i) for i in range(self._prerender)]
        self._t0 = time.perf_counter()
        self._next = 0

    def read(self, timeout_s: float = 1.0) -> Frame | None:
        """The next frame (realtime: the newest one captured, waiting for it if needed);
        None at the end of ``duration_s`` or, live, when no frame is due within ``timeout_s``."""
        if self._t0 is None or self._closed.is_set():
            raise SourceError("Open the synthetic source before reading frames.")
        index = self._next
        if self.realtime:
            now = time.perf_counter()
            index = max(index, int(math.floor((now - self._t0) * self._fps)))  # late: newest capture
            if self.n_frames is not None and index >= self.n_frames:
                self._closed.wait(timeout_s)  # a finished live camera just sends nothing
                return None
            delay = self._t0 + index / self._fps - now
            if delay > timeout_s:
                self._closed.wait(timeout_s)
                return None
            if delay > 0 and self._closed.wait(delay):
                return None
        elif self.n_frames is not None and index >= self.n_frames:
            return None
        self._next = index + 1
        k = self.plan_index(index)
        color, depth = self._cache[k] if self._cache else render_frame(self.identity, self.plan, k)
        return Frame(index=index, timestamp_s=index / self._fps, color=color, depth=depth)

    def close(self) -> None:
        self._closed.set()
        self._t0 = None

    def __enter__(self) -> "SyntheticSource":
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- truth ----------------------------------------------------------------------
    def plan_index(self, index: int) -> int:
        """The plan frame shown at source frame ``index`` (the plan plays forward, then back)."""
        n = len(self._cache) or self.plan.n_frames
        if n == 1:
            return 0
        k = int(index) % (2 * (n - 1))
        return k if k < n else 2 * (n - 1) - k

    def truth_pose_deg(self, index: int) -> tuple[float, float, float]:
        """True head pose (yaw, pitch, roll) in degrees at source frame ``index``."""
        yaw, pitch, roll = self.plan.head_pose_deg[self.plan_index(index)]
        return float(yaw), float(pitch), float(roll)

    def truth_landmarks_px(self, index: int) -> np.ndarray:
        """(68, 2) true landmark positions in the colour image (px) at source frame ``index``."""
        return self.plan.landmarks_px[self.plan_index(index)]
