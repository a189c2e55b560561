"""Small builders shared by the simulator tests (plans are short: duration_scale < 1)."""

from __future__ import annotations

import dataclasses

import numpy as np

from neuroface_studio.domain.protocol import Task
from neuroface_studio.simulation.planning import PIVOT_MM, RecordingPlan, head_to_camera, rotation_matrix

TASKS = {
    code: Task(code=code, name=code, instruction="", repetitions=reps, segmented=code != "REST",
               category=cat, duration_s=20.0 if code == "REST" else None)
    for code, reps, cat in [
        ("BBP", 10, "speech"), ("PA", None, "speech"), ("PATAKA", None, "speech"), ("BLOW", 5, "nonspeech"),
        ("KISS", 5, "nonspeech"), ("OPEN", 5, "nonspeech"), ("SPREAD", 5, "nonspeech"),
        ("SMILE", 5, "nonspeech"), ("BROW", 5, "nonspeech"), ("REST", None, "rest"),
    ]
}


def lip_aperture_mm(plan: RecordingPlan) -> np.ndarray:
    """(T,) distance between the inner lip midpoints 62 and 66, mm."""
    return np.linalg.norm(plan.landmarks_mm[:, 66] - plan.landmarks_mm[:, 62], axis=1)


def with_pose(plan: RecordingPlan, index: int, pose_deg) -> RecordingPlan:
    """A copy of ``plan`` whose frame ``index`` has head pose ``pose_deg`` (yaw, pitch, roll)."""
    rot = rotation_matrix(*plan.head_pose_deg[index])
    trans = plan.head_translation_mm[index]
    head = (plan.landmarks_mm[index] - PIVOT_MM - trans) @ rot + PIVOT_MM
    mm = plan.landmarks_mm.copy()
    px = plan.landmarks_px.copy()
    pose = plan.head_pose_deg.copy()
    mm[index] = head_to_camera(head, np.asarray(pose_deg, float), trans)
    px[index] = plan.camera.color.project(mm[index])
    pose[index] = pose_deg
    return dataclasses.replace(plan, landmarks_mm=mm, landmarks_px=px, head_pose_deg=pose)


def zoomed(plan: RecordingPlan, index: int, zoom: int = 4, margin_px: float = 12.0) -> RecordingPlan:
    """A copy of ``plan`` seen by a camera ``zoom`` times sharper, cropped around the face of
    frame ``index`` (same 3D truth). Lets tests check the warp with sub-pixel resolution."""
    from neuroface_studio.domain.camera import CameraInfo, Intrinsics

    c = plan.camera.color
    pts = plan.landmarks_px[index]
    x0, y0 = np.floor(pts.min(axis=0) - margin_px)
    x1, y1 = np.ceil(pts.max(axis=0) + margin_px)
    intr = Intrinsics(int((x1 - x0) * zoom), int((y1 - y0) * zoom), c.fx * zoom, c.fy * zoom,
                      (c.cx - x0) * zoom, (c.cy - y0) * zoom)
    cam = CameraInfo(color=intr, depth=plan.camera.depth, depth_to_color=plan.camera.depth_to_color)
    return dataclasses.replace(plan, camera=cam, landmarks_px=intr.project(plan.landmarks_mm))
