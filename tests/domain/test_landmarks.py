import numpy as np
import pytest

from neuroface_studio.domain import landmarks as lm


def test_groups_cover_the_scheme():
    assert list(lm.JAW) == list(range(17))
    assert list(lm.MOUTH) == list(range(48, 68))
    assert len(lm.NAMES) == 68 and len(set(lm.NAMES)) == 68
    assert lm.INNER_EYE_CORNERS == (39, 42) and lm.OUTER_EYE_CORNERS == (36, 45)
    covered = sorted(set(lm.JAW) | set(lm.BROWS) | set(lm.NOSE) | set(lm.EYES) | set(lm.MOUTH))
    assert covered == list(range(68))


def test_flip_permutation_is_an_involution_with_known_pairs():
    perm = lm.FLIP_PERMUTATION
    assert np.array_equal(perm[perm], np.arange(68))
    for a, b in [(0, 16), (36, 45), (39, 42), (48, 54), (60, 64), (31, 35), (17, 26)]:
        assert perm[a] == b
    assert set(lm.MIDLINE) == {8, 27, 28, 29, 30, 33, 51, 57, 62, 66}
    assert len(lm.LEFT_RIGHT_PAIRS) == (68 - 10) // 2


def test_flipping_twice_restores_points():
    rng = np.random.default_rng(0)
    pts = rng.uniform(0, 640, size=(68, 2))
    assert np.allclose(lm.flip_points(lm.flip_points(pts, 640), 640), pts)
    flipped = lm.flip_points(pts, 640)
    assert flipped[45, 0] == pytest.approx(639 - pts[36, 0])


def test_validate_points_rejects_67_points_and_nan():
    with pytest.raises(ValueError, match="68"):
        lm.validate_points(np.zeros((67, 2)))
    bad = np.zeros((68, 2))
    bad[5, 1] = np.nan
    with pytest.raises(ValueError, match=r"\[5\]"):
        lm.validate_points(bad)
