"""Recording plans: the exact ground truth of one simulated recording, before any pixel.

A plan fixes the camera, and per frame the 68 landmarks in 3D (camera frame, mm) and in the
colour image (px), the head pose, turn-away flags and the true repetition spans. Truth is
defined by construction: expression displacements + head pose applied to the participant's
3D face, projected through the colour intrinsics. :mod:`render` then draws frames that agree
with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neuroface_studio.domain.camera import CameraInfo, Extrinsics, Intrinsics
from neuroface_studio.domain.landmarks import MOUTH_CORNERS, N_LANDMARKS
from neuroface_studio.domain.protocol import Task
from neuroface_studio.simulation.face_model import expression_basis, side_weights
from neuroface_studio.simulation.identity import Identity, derive_rng, identity_shape_mm
from neuroface_studio.simulation.kinematics import lateralise, min_jerk, task_timeline

SIMULATOR_VERSION = "1"

#: Head rotation pivot in the head frame, mm (behind the nose tip, roughly between the ears).
PIVOT_MM = np.array([0.0, 20.0, 100.0])
TURN_AWAY_YAW_DEG, TURN_AWAY_PITCH_DEG = 25.0, 20.0
TURN_AWAY_PROBABILITY = 0.25


def simulated_camera() -> CameraInfo:
    """A D400-like VGA colour camera with depth already aligned to colour (depth in mm)."""
    color = Intrinsics(640, 480, fx=614.7, fy=614.9, cx=321.2, cy=238.6)
    depth = Intrinsics(640, 480, fx=386.2, fy=386.2, cx=319.5, cy=237.8)
    return CameraInfo(
        color=color, depth=depth,
        depth_to_color=Extrinsics(translation_m=(0.015, 0.0, 0.0)),
        depth_scale_m=0.001, depth_aligned_to_color=True,
        device=f"simulated D400 (NeuroFace simulator v{SIMULATOR_VERSION})",
    )


def rotation_matrix(yaw_deg: float, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """(3, 3) head rotation. Positive yaw moves the nose towards image right (+x), positive
    pitch moves it down (+y), positive roll turns the face clockwise in the image."""
    y, p, r = np.deg2rad([yaw_deg, pitch_deg, roll_deg])
    ry = np.array([[np.cos(y), 0, -np.sin(y)], [0, 1, 0], [np.sin(y), 0, np.cos(y)]])
    rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return rz @ rx @ ry


def head_to_camera(points_mm: np.ndarray, pose_deg: np.ndarray, translation_mm: np.ndarray) -> np.ndarray:
    """Head-frame points (N, 3) mm -> camera frame (N, 3) mm for one frame's pose + translation."""
    rot = rotation_matrix(*pose_deg)
    return (points_mm - PIVOT_MM) @ rot.T + PIVOT_MM + translation_mm


@dataclass(frozen=True, eq=False)
class RecordingPlan:
    """Everything about one simulated recording except the pixels (arrays are read-only).

    landmarks_px (T, 68, 2) float64: true landmark positions in the colour image, px.
    landmarks_mm (T, 68, 3) float64: true 3D positions, camera frame, mm (x right, y down,
        z forward: RealSense convention).
    head_pose_deg (T, 3): yaw, pitch, roll in degrees (see :func:`rotation_matrix`).
    turned_away (T,) bool: |yaw| > 25 or |pitch| > 20.
    repetitions: true spans, inclusive frame indices (movement start .. end); () for REST.
    head_translation_mm (T, 3): camera-frame position of the head-frame origin (neutral nose tip).
    activations (T, 7, 2): expression actions on the participant's (right, left) side.
    """

    task_code: str
    fps: float
    n_frames: int
    camera: CameraInfo
    landmarks_px: np.ndarray
    landmarks_mm: np.ndarray
    head_pose_deg: np.ndarray
    turned_away: np.ndarray
    repetitions: tuple[tuple[int, int], ...]
    seed: int
    head_translation_mm: np.ndarray
    activations: np.ndarray
    participant_id: str = ""
    simulator_version: str = SIMULATOR_VERSION


def _drift(rng: np.random.Generator, time: np.ndarray, amplitude: float) -> np.ndarray:
    """Slow random wander (T,): three sinusoids of 0.03-0.3 Hz, total amplitude ~``amplitude``."""
    amps = rng.uniform(0.3, 1.0, 3) * amplitude / 1.8
    freqs = rng.uniform(0.03, 0.3, 3)
    phases = rng.uniform(0, 2 * np.pi, 3)
    return (amps[:, None] * np.sin(2 * np.pi * freqs[:, None] * time[None, :] + phases[:, None])).sum(0)


def head_motion(identity: Identity, n_frames: int, fps: float, rng: np.random.Generator,
                turn_away: bool | None) -> tuple[np.ndarray, np.ndarray]:
    """Head pose (T, 3) deg and translation (T, 3) mm: posture + slow drift + optional turn-away."""
    time = np.arange(n_frames) / fps
    pose = np.asarray(identity.pose_offset_deg)[None, :] + np.column_stack(
        [_drift(rng, time, a) for a in (3.0, 2.5, 1.5)])
    trans = np.array([*identity.position_mm, identity.distance_mm])[None, :] + np.column_stack(
        [_drift(rng, time, a) for a in (3.0, 3.0, 5.0)])
    # The turn-away event is always drawn (same random path), applied only when chosen.
    happens = rng.uniform() < TURN_AWAY_PROBABILITY
    total = n_frames / fps
    duration = min(rng.uniform(0.5, 1.5), 0.6 * total)
    ramp = min(0.3, duration / 3)
    start = rng.uniform(0.1, max(0.1, 0.95 - duration / total)) * total
    peak_yaw = rng.uniform(30.0, 45.0) * rng.choice([-1.0, 1.0])
    peak_pitch = rng.uniform(-3.0, 8.0)
    if happens if turn_away is None else bool(turn_away):
        up = min_jerk((time - start) / ramp)
        down = min_jerk((time - (start + duration - ramp)) / ramp)
        level = up - down
        pose[:, 0] += peak_yaw * level
        pose[:, 1] += peak_pitch * level
        trans[:, 0] += 0.5 * peak_yaw * level  # the torso turns a little too
    return pose, trans


def plan_recording(identity: Identity, task: Task, fps: float = 50.0, seed: int = 0,
                   duration_scale: float = 1.0, turn_away: bool | None = None) -> RecordingPlan:
    """Plan one recording of ``task`` by ``identity``: deterministic for the arguments.

    ``duration_scale`` < 1 shortens rests, holds and movements (small demos and tests);
    ``turn_away`` None lets chance decide (~1 recording in 4), True/False forces it.
    """
    if fps <= 0 or duration_scale <= 0:
        raise ValueError("fps and duration_scale must be positive")
    keys = (identity.seed, identity.participant_id, task.code.upper(), int(seed))
    act, spans = task_timeline(identity, task, fps, derive_rng("kinematics", *keys), duration_scale)
    n_frames = act.shape[0]
    act2 = lateralise(identity, act)

    shape = identity_shape_mm(identity)[:N_LANDMARKS]
    basis = expression_basis()  # (K, 68, 3)
    sides = side_weights(shape)  # (68, 2)
    disp = np.einsum("tks,ns,knd->tnd", act2, sides, basis)
    if identity.affected_side is not None and identity.droop_mm > 0:
        corner = MOUTH_CORNERS[0] if identity.affected_side == "right" else MOUTH_CORNERS[1]
        near = {48: [49, 59, 60], 54: [53, 55, 64]}[corner]
        disp[:, corner, 1] += identity.droop_mm
        disp[:, near, 1] += 0.5 * identity.droop_mm
    points_head = shape[None] + disp  # (T, 68, 3)

    pose, trans = head_motion(identity, n_frames, fps, derive_rng("pose", *keys), turn_away)
    camera = simulated_camera()
    rots = np.stack([rotation_matrix(*p) for p in pose])  # (T, 3, 3)
    points_cam = np.einsum("tij,tnj->tni", rots, points_head - PIVOT_MM) + PIVOT_MM + trans[:, None, :]
    points_px = camera.color.project(points_cam)
    turned = (np.abs(pose[:, 0]) > TURN_AWAY_YAW_DEG) | (np.abs(pose[:, 1]) > TURN_AWAY_PITCH_DEG)
    arrays = (points_px, points_cam, pose, turned, trans, act2)
    for a in arrays:
        a.setflags(write=False)
    return RecordingPlan(
        task_code=task.code.upper(), fps=float(fps), n_frames=int(n_frames), camera=camera,
        landmarks_px=points_px, landmarks_mm=points_cam, head_pose_deg=pose, turned_away=turned,
        repetitions=tuple((int(a), int(b)) for a, b in spans), seed=int(seed),
        head_translation_mm=trans, activations=act2, participant_id=identity.participant_id,
    )
