"""A recording's own straight ahead (the offline "Set straight ahead"): its median pitch, within
±15 deg, is zero; yaw and roll stay as measured."""

from __future__ import annotations

import numpy as np

from neuroface_studio.acquisition import feedback as fb


def test_a_camera_below_eye_level_is_not_turned_away():
    rng = np.random.default_rng(0)
    pose = np.stack([rng.normal(0, 2, 200), rng.normal(-13, 2, 200), rng.normal(0, 2, 200)], axis=1)
    assert fb.frontal_fraction(pose) < 0.2  # every frame reads chin-up against the camera axis
    assert fb.frontal_fraction(fb.straight_ahead(pose)) > 0.95


def test_the_offset_is_limited_and_yaw_is_never_straightened():
    pose = np.zeros((100, 3))
    pose[:, 1] = -30.0  # looking down at a script all take long: still off after the 15 deg allowance
    assert np.allclose(fb.straight_ahead(pose)[:, 1], -15.0)
    assert fb.frontal_fraction(fb.straight_ahead(pose)) == 0.0
    sideways = np.zeros((100, 3))
    sideways[:, 0] = 25.0  # a participant seated turned away
    assert fb.turned_away_mask(fb.straight_ahead(sideways)).all()


def test_frames_without_a_face_stay_without_a_pose():
    pose = np.full((10, 3), np.nan)
    pose[:5] = [1.0, -12.0, 0.5]
    s = fb.straight_ahead(pose)
    assert np.isnan(s[5:]).all() and np.allclose(s[:5, 1], 0.0)
    assert fb.straight_ahead(np.full((4, 3), np.nan)).shape == (4, 3)
