import numpy as np
import pytest

from neuroface_studio.domain.annotations import LandmarkSet, LandmarkSource
from neuroface_studio.domain.camera import CameraInfo, Intrinsics
from neuroface_studio.domain.participants import Group, Participant, Session, validate_pseudonym
from neuroface_studio.domain.project import Project
from neuroface_studio.domain.protocol import Protocol
from neuroface_studio.domain.recordings import Recording, Repetition

PROTO = Protocol.from_dict({"name": "t", "tasks": [{"code": "open", "name": "Open", "repetitions": 5}]})
INTR = Intrinsics(640, 480, 600.0, 600.0, 320.0, 240.0)
CAM = CameraInfo(INTR, INTR)


def test_group_parse_and_pseudonyms():
    assert Group.parse("als") is Group.ALS
    with pytest.raises(ValueError, match="use one of"):
        Group.parse("stroke")
    validate_pseudonym("P-007_a")
    # a trailing newline passed a re.match(...$) check (issue 17 #8): IDs are checked with fullmatch
    for bad in ("John Smith", "", "x" * 65, "../etc", "P88\n", "P88\r\n", "\nP88"):
        with pytest.raises(ValueError, match="pseudonym"):
            validate_pseudonym(bad)


def test_protocol_from_dict_normalizes_and_validates():
    assert PROTO.task("OPEN").repetitions == 5
    with pytest.raises(KeyError, match="not in protocol"):
        PROTO.task("SMILE")
    with pytest.raises(ValueError, match="unique"):
        Protocol.from_dict({"name": "t", "tasks": [{"code": "A", "name": "a"}, {"code": "a", "name": "b"}]})
    with pytest.raises(ValueError, match="missing the field 'name'"):
        Protocol.from_dict({"tasks": []})
    assert Protocol.from_dict(PROTO.to_dict()) == PROTO


def test_intrinsics_project_deproject_round_trip():
    pts = np.array([[10.0, -20.0, 450.0], [0.0, 0.0, 300.0]])
    px = INTR.project(pts)
    assert px[1] == pytest.approx([320, 240])
    assert np.allclose(INTR.deproject(px, pts[:, 2]), pts)


def _project():
    p = Project("x", PROTO)
    p.add_participant(Participant("P1", Group.HC))
    p.add_session(Session("S1", "P1", "2026-01-01"))
    p.add_recording(Recording("R1", "S1", "OPEN", 50.0, 100, CAM, "recordings/R1.h5", "now"))
    return p


def test_project_rejects_dangling_references():
    p = _project()
    with pytest.raises(ValueError, match="unknown participant"):
        p.add_session(Session("S2", "nobody", "2026-01-01"))
    with pytest.raises(ValueError, match="already exists"):
        p.add_participant(Participant("P1", Group.ALS))
    with pytest.raises(ValueError, match="has 100 frames"):
        p.add_repetition(Repetition("R1", 10, 100))
    with pytest.raises(ValueError, match="start <= end"):
        Repetition("R1", 10, 5)
    src = LandmarkSource("annotator", annotator_id="a1")
    with pytest.raises(ValueError, match="corrects unknown"):
        p.add_landmark_set(LandmarkSet("L1", "R1", 3, np.zeros((68, 2)), src, "now", corrects="missing"))


def test_correction_links_to_prediction_and_queries():
    p = _project()
    pred = LandmarkSet("pred", "R1", 3, np.ones((68, 2)), LandmarkSource("model", name="dlib68", version="1"), "now")
    p.add_landmark_set(pred)
    p.add_landmark_set(LandmarkSet("corr", "R1", 3, np.ones((68, 2)) * 2, LandmarkSource("annotator", annotator_id="a"),
                                   "now", corrects="pred"))
    assert {s.id for s in p.landmark_sets_of("R1", 3)} == {"pred", "corr"}
    assert p.participant_of("R1").id == "P1"
    with pytest.raises(ValueError, match="annotator_id"):
        LandmarkSource("annotator")
    with pytest.raises(ValueError, match="visibility"):
        LandmarkSet("v", "R1", 0, np.zeros((68, 2)), pred.source, "now", visible=np.ones(67, bool))


def test_names_with_a_trailing_newline_are_refused():
    from neuroface_studio.app.annotation import check_annotator_id
    from neuroface_studio.store.tracks_file import SAFE_NAME

    with pytest.raises(ValueError):
        check_annotator_id("ann1\n")
    assert SAFE_NAME.fullmatch("dlib68") and not SAFE_NAME.fullmatch("dlib68\n")
