"""Recordings (one task performed once, color + depth frames) and their repetitions."""

from __future__ import annotations

from dataclasses import dataclass, field

from neuroface_studio.domain.camera import CameraInfo
from neuroface_studio.domain.participants import validate_pseudonym


@dataclass
class Recording:
    """Metadata of one recording. The frames live in ``file`` (an HDF5 file in the project)."""

    id: str
    session_id: str
    task_code: str
    fps: float
    n_frames: int
    camera: CameraInfo
    file: str  # path relative to the project folder, POSIX separators
    created: str  # ISO 8601 timestamp
    truth_file: str | None = None  # simulated recordings: ground-truth file (relative path)
    notes: str = ""
    #: capture quality summary, e.g. {"frontal_fraction": 0.93, "dropped": 0, "stop_reason": ""}
    quality: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate_pseudonym(self.id)
        if self.fps <= 0:
            raise ValueError(f"recording {self.id}: fps must be positive, got {self.fps}")
        if self.n_frames < 0:
            raise ValueError(f"recording {self.id}: n_frames must be >= 0")

    @property
    def duration_s(self) -> float:
        return self.n_frames / self.fps


@dataclass(frozen=True)
class Repetition:
    """One repetition of a task: frames ``start_frame`` .. ``end_frame`` inclusive."""

    recording_id: str
    start_frame: int
    end_frame: int
    source: str = "manual"  # "manual" | "proposed" | "truth"

    def __post_init__(self) -> None:
        if not (0 <= self.start_frame <= self.end_frame):
            raise ValueError(
                f"repetition frames must satisfy 0 <= start <= end, got {self.start_frame}..{self.end_frame}"
            )

    @property
    def n_frames(self) -> int:
        return self.end_frame - self.start_frame + 1
