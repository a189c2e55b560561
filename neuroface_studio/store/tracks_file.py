"""Landmark tracks: one model's 68 points on every frame of one recording, resumable.

``tracks/<recording>/<model>.h5`` (one file per recording per model, so landmarking a
recording with another model keeps both):

=================  ==============  ==========================================================
``landmarks_px``   (T, 68, 2) f4   x right / y down, 0-based px; NaN where no face was found
``scores``         (T, 68) f4      per-point confidence in [0, 1] (dlib68: 1.0, it has none)
``detected``       (T,) bool       the face detector ran on this frame (first frame, track lost)
``head_pose_deg``  (T, 3) f4       optional (schema 2): yaw, pitch, roll in degrees from these
                                   landmarks (seen along the line of sight; NaN: no face)
attrs              JSON / scalars  ``format``, ``schema_version``, ``recording_id``, ``n_frames``,
                                   ``model`` (ModelInfo as JSON: the provenance), ``params``
                                   (JSON: how it was tracked), ``created``, ``frames_done``;
                                   ``pose`` (JSON, with ``head_pose_deg``: how it was computed)
=================  ==============  ==========================================================

Schema versions: 1 = landmarks, scores, detected. 2 (issue 15) adds the optional
``head_pose_deg`` + ``pose``; version-1 files are read as they are (``head_pose_deg`` None:
the app computes the pose from the landmarks and adds it, :func:`write_pose`).

Frames ``0 .. frames_done - 1`` are final; later rows are NaN. The arrays are allocated whole
when the file is created (a temp file renamed into place, so the file is always readable),
then rows are written in chunks in place and ``frames_done`` is raised after each chunk is
flushed: a crash or a cancel keeps every finished chunk, and a re-run resumes at
``frames_done``. Resuming requires the same model (sha256) and frame count; otherwise the
track is started again from frame 0.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from neuroface_studio.store.atomic import atomic_write
from neuroface_studio.store.errors import RecordingFileError, UnsupportedVersionError
from neuroface_studio.store.h5text import read_text, text

TRACKS_DIR = "tracks"
FORMAT_ID = "neuroface-studio-landmark-track"
SCHEMA_VERSION = 2  # 2: optional head_pose_deg + pose (issue 15)
READABLE_VERSIONS = (1, 2)
N_LANDMARKS = 68
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def track_path(project_folder: Path, recording_id: str, model_name: str) -> Path:
    """``<project>/tracks/<recording>/<model>.h5``."""
    if not SAFE_NAME.fullmatch(model_name):
        raise ValueError(f"model name {model_name!r} cannot name a file; use letters, digits, '_', '.', '-'")
    return Path(project_folder) / TRACKS_DIR / recording_id / f"{model_name}.h5"


def list_tracks(project_folder: Path, recording_id: str) -> list[str]:
    """Model names that have a track file for ``recording_id`` (sorted)."""
    folder = Path(project_folder) / TRACKS_DIR / recording_id
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.h5") if not p.name.startswith("."))


@dataclass
class Track:
    recording_id: str
    landmarks_px: np.ndarray  # (T, 68, 2) float32, NaN = no face / not done
    scores: np.ndarray  # (T, 68) float32
    detected: np.ndarray  # (T,) bool
    model: dict  # ModelInfo as a dict: provenance
    params: dict
    created: str
    frames_done: int
    head_pose_deg: np.ndarray | None = None  # (T, 3) float32 yaw, pitch, roll; None: not computed
    pose_info: dict = field(default_factory=dict)  # how head_pose_deg was computed

    @property
    def n_frames(self) -> int:
        return int(self.landmarks_px.shape[0])

    @property
    def complete(self) -> bool:
        return self.frames_done >= self.n_frames

    def points(self, frame: int) -> np.ndarray | None:
        """``(68, 2)`` float64 px on ``frame``, or None (no face, or not landmarked yet)."""
        if not 0 <= frame < min(self.frames_done, self.n_frames):
            return None
        pts = self.landmarks_px[frame]
        return None if np.isnan(pts).any() else pts.astype(np.float64)


class TrackWriter:
    """Writes rows of one track file in place. Use :meth:`open` (creates or resumes)."""

    def __init__(self, path: Path, f: h5py.File) -> None:
        self.path = path
        self._f = f

    @classmethod
    def open(cls, path: Path, recording_id: str, n_frames: int, model: dict, params: dict,
             created: str) -> "TrackWriter":
        """Resume ``path`` when it holds the same model (sha256) and frame count, else (re)create it."""
        path = Path(path)
        if path.exists():
            try:
                f = h5py.File(path, "r+")
            except OSError:
                f = None  # unreadable: start again
            if f is not None:
                try:
                    same = (read_text(f.attrs, "format") == FORMAT_ID
                            and int(f.attrs.get("schema_version", 0)) in READABLE_VERSIONS
                            and int(f.attrs["n_frames"]) == n_frames
                            and json.loads(read_text(f.attrs, "model", "{}")).get("sha256") == model.get("sha256")
                            and json.loads(read_text(f.attrs, "params", "{}")) == params)
                except (KeyError, ValueError, OSError):  # damaged attributes: start again
                    same = False
                if same:
                    return cls(path, f)
                f.close()
        path.parent.mkdir(parents=True, exist_ok=True)

        def write(tmp: Path) -> None:
            with h5py.File(tmp, "w") as g:
                g.attrs["format"] = text(FORMAT_ID)
                g.attrs["schema_version"] = SCHEMA_VERSION
                g.attrs["recording_id"] = text(recording_id)
                g.attrs["n_frames"] = int(n_frames)
                g.attrs["model"] = text(json.dumps(model))
                g.attrs["params"] = text(json.dumps(params))
                g.attrs["created"] = text(created)
                g.attrs["frames_done"] = np.int64(0)
                g.create_dataset("landmarks_px", data=np.full((n_frames, N_LANDMARKS, 2), np.nan, np.float32))
                g.create_dataset("scores", data=np.zeros((n_frames, N_LANDMARKS), np.float32))
                g.create_dataset("detected", data=np.zeros(n_frames, bool))

        atomic_write(path, write)
        return cls(path, h5py.File(path, "r+"))

    @property
    def frames_done(self) -> int:
        return int(self._f.attrs["frames_done"])

    @property
    def n_frames(self) -> int:
        return int(self._f.attrs["n_frames"])

    def last_points(self) -> np.ndarray | None:
        """Points of frame ``frames_done - 1`` (float32 values as float64), None if none/no face."""
        done = self.frames_done
        if done == 0:
            return None
        pts = self._f["landmarks_px"][done - 1]
        return None if np.isnan(pts).any() else pts.astype(np.float64)

    def write(self, start: int, points_px: np.ndarray, scores: np.ndarray, detected: np.ndarray) -> None:
        """Write rows ``start .. start + k - 1``, flush, then raise ``frames_done`` to ``start + k``."""
        k = len(points_px)
        if start != self.frames_done:
            raise ValueError(f"track rows must be written in order: expected frame {self.frames_done}, got {start}")
        if k == 0:
            return
        if "head_pose_deg" in self._f:  # new landmarks: the stored pose no longer belongs to them
            del self._f["head_pose_deg"]
            self._f.attrs["pose"] = text("{}")
        self._f["landmarks_px"][start:start + k] = np.asarray(points_px, np.float32)
        self._f["scores"][start:start + k] = np.asarray(scores, np.float32)
        self._f["detected"][start:start + k] = np.asarray(detected, bool)
        self._f.flush()
        self._f.attrs["frames_done"] = np.int64(start + k)
        self._f.flush()

    def close(self) -> None:
        if self._f.id.valid:
            self._f.close()

    def __enter__(self) -> "TrackWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_track(path: Path) -> Track:
    """Read a track file; :class:`RecordingFileError` when it is missing or damaged."""
    path = Path(path)
    if not path.exists():
        raise RecordingFileError(f"no landmark track at {path}; run landmarking for this recording first")
    try:
        with h5py.File(path, "r") as f:
            if read_text(f.attrs, "format") != FORMAT_ID:
                raise RecordingFileError(f"{path} is not a NeuroFace Studio landmark track")
            if int(f.attrs.get("schema_version", 0)) > SCHEMA_VERSION:
                raise UnsupportedVersionError(f"{path} was written by a newer NeuroFace Studio; update to read it")
            pose = f["head_pose_deg"][()] if "head_pose_deg" in f else None
            track = Track(recording_id=read_text(f.attrs, "recording_id", ""), landmarks_px=f["landmarks_px"][()],
                          scores=f["scores"][()], detected=f["detected"][()],
                          model=json.loads(read_text(f.attrs, "model", "")),
                          params=json.loads(read_text(f.attrs, "params", "{}")),
                          created=read_text(f.attrs, "created", ""),
                          frames_done=int(f.attrs["frames_done"]),
                          head_pose_deg=pose, pose_info=json.loads(read_text(f.attrs, "pose", "{}")))
        t = track.landmarks_px.shape[0] if track.landmarks_px.ndim else -1
        if track.head_pose_deg is not None and track.head_pose_deg.shape != (t, 3):
            track.head_pose_deg, track.pose_info = None, {}  # damaged pose: computed again when needed
        if (track.landmarks_px.shape != (t, N_LANDMARKS, 2) or track.scores.shape != (t, N_LANDMARKS)
                or track.detected.shape != (t,) or not isinstance(track.model, dict)
                or not isinstance(track.params, dict) or not 0 <= track.frames_done <= t):
            raise ValueError("its arrays or attributes do not fit together")
        return track
    except (KeyError, ValueError, TypeError, AttributeError) as exc:  # TypeError: a dataset damaged into a group
        raise RecordingFileError(f"{path} is damaged ({exc!r}); landmark the recording again") from exc
    except (OSError, RuntimeError) as exc:  # h5py raises either for a damaged file
        raise RecordingFileError(f"{path} is not a readable HDF5 track ({exc}); landmark the recording again") from exc


def write_pose(path: Path, head_pose_deg: np.ndarray, info: dict) -> None:
    """Store ``head_pose_deg (T, 3)`` (yaw, pitch, roll deg, NaN = no face) and ``info`` (JSON:
    how it was computed) in the track file at ``path``, replacing any earlier pose; the file
    becomes schema 2. :class:`RecordingFileError` when the file cannot be written."""
    path = Path(path)
    pose = np.asarray(head_pose_deg, np.float32)
    try:
        with h5py.File(path, "r+") as f:
            n = int(f.attrs["n_frames"])
            if pose.shape != (n, 3):
                raise ValueError(f"head pose must be ({n}, 3) for this track, got {pose.shape}")
            if "head_pose_deg" in f:
                del f["head_pose_deg"]
            f.create_dataset("head_pose_deg", data=pose)
            f.attrs["pose"] = text(json.dumps(info))
            f.attrs["schema_version"] = SCHEMA_VERSION
    except (OSError, KeyError, RuntimeError) as exc:
        raise RecordingFileError(f"could not store the head pose in {path} ({exc})") from exc
