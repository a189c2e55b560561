"""Study export (issue 10, privacy): consent, manifest, pseudonym key kept out, face blur, atomicity, audit."""

from __future__ import annotations

import hashlib
import json
import stat

import cv2
import numpy as np
import pytest
from simhelpers import copy_project, simulate_project

from neuroface_studio.app import export as export_mod
from neuroface_studio.app.export import ExportError, ExportOptions, export_study
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.cli import main

IDENTITY = "Jane Q. Testperson, born 1957-03-14, MRN 99-1234"


@pytest.fixture(scope="module")
def master(tmp_path_factory):
    folder = simulate_project(tmp_path_factory.mktemp("exp") / "study", participants=3, groups=("HC", "ALS"),
                              tasks=("OPEN",), fps=10, duration_scale=0.3, annotators=1, seed=1)
    s = ProjectSession.open(folder)
    for pid, p in s.project.participants.items():
        p.consent_to_share = pid != "SIM001"  # SIM001 did not consent
    s.save("test consent")
    return folder


@pytest.fixture
def study(master, tmp_path):
    return copy_project(master, tmp_path)


def _all_bytes(folder):
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_default_export_only_consenting_participants_with_manifest(study, tmp_path):
    out = tmp_path / "share"
    res = export_study(study, out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["included"] == ["landmarks", "features", "results"]
    assert manifest["participants"] == {"included": ["SIM002", "SIM003"], "excluded_without_consent": 1,
                                        "all_participants": False}
    assert manifest["software"]["version"] and manifest["created"]
    for entry in manifest["files"]:
        assert hashlib.sha256((out / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    listed = {e["path"] for e in manifest["files"]}
    assert {"participants.csv", "features/features.csv", "results/classification.json",
            "landmarks/annotations.csv", "landmarks/SIM002-OPEN/truth.csv"} <= listed
    assert not any(p.startswith("recordings/") for p in listed)
    for path, data in _all_bytes(out).items():  # the excluded pseudonym appears nowhere
        assert b"SIM001" not in data, path
    header = (out / "landmarks/SIM002-OPEN/truth.csv").read_text().splitlines()[0].split(",")
    assert header[:4] == ["frame", "time_s", "x0", "y0"] and header[-1] == "y67"
    assert (out / "features/features.csv").read_text().count("\n") == 1 + manifest["features"]["rows"] > 1
    assert res.excluded == 1 and not list(tmp_path.glob(".*partial"))
    entry = study.project.audit_log[-1]  # the export is in the audit log, saved
    assert entry.action == "export" and "1 without consent left out" in entry.detail
    assert ProjectSession.open(study.folder).project.audit_log[-1].action == "export"


def test_pseudonym_key_is_kept_out_of_the_project_and_every_export(study, tmp_path, capsys, monkeypatch):
    folder = str(study.folder)
    assert main(["key", "add", folder, "--participant", "SIM002", "--identity", IDENTITY]) == 0
    key = study.folder / "private" / "pseudonym_key.json"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert IDENTITY in key.read_text()
    assert IDENTITY not in (study.folder / "project.nfs.json").read_text()
    capsys.readouterr()
    assert main(["key", "show", folder, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["entries"]["SIM002"]["identity"] == IDENTITY
    assert main(["key", "add", folder, "--participant", "SIM002", "--identity", "x"]) == 2
    assert "--replace" in capsys.readouterr().err
    assert main(["key", "add", folder, "--participant", "NOBODY", "--identity", "x"]) == 2
    assert "unknown participant NOBODY" in capsys.readouterr().err

    from neuroface_studio.store import key_file

    def forbidden(*a, **k):
        raise AssertionError("an export read the pseudonym key")
    monkeypatch.setattr(key_file, "read_key", forbidden)
    out = tmp_path / "everything"
    assert main(["export", folder, "--out", str(out), "--include", "landmarks,features,results,recordings",
                 "--all-participants"]) == 0
    files = _all_bytes(out)
    assert any(p.suffix == ".mp4" for p in files)
    needles = [IDENTITY.encode(), b"Testperson", IDENTITY.encode("utf-16-le")]
    for path, data in files.items():
        assert not any(n in data for n in needles), path
    assert "pseudonym key" in [e.action for e in ProjectSession.open(study.folder).project.audit_log]
    pytest.importorskip("reportlab")
    html = tmp_path / "report.html"  # the per-patient report neither reads the key nor shows the identity
    assert main(["report", folder, "--participant", "SIM002", "--out", str(tmp_path / "r.pdf"),
                 "--html", str(html)]) == 0
    assert "SIM002" in html.read_text() and "Testperson" not in html.read_text()


def _hf_energy(gray_face):
    return float(cv2.Laplacian(gray_face.astype(np.float64), cv2.CV_64F).var())


def _frames(path):
    cap = cv2.VideoCapture(str(path))
    out = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        out.append(bgr[..., ::-1])
    cap.release()
    return out


def test_blurred_video_really_hides_the_face(study, tmp_path):
    from neuroface_studio.vision.dlib68 import Dlib68
    plain, blurred = tmp_path / "plain", tmp_path / "blurred"
    export_study(study, plain, ExportOptions(parts=("recordings",)), log=False)
    res = export_study(study, blurred, ExportOptions(parts=("recordings",), blur_faces=True), log=False)
    videos = res.manifest["recordings"]["videos"]
    assert set(videos) == {"SIM002-OPEN", "SIM003-OPEN"}
    rid = "SIM002-OPEN"
    assert videos[rid]["face_from_landmarks"] == videos[rid]["frames"] == study.project.recordings[rid].n_frames
    a, b = _frames(plain / f"recordings/{rid}.mp4"), _frames(blurred / f"recordings/{rid}.mp4")
    assert len(a) == len(b) == study.project.recordings[rid].n_frames and a[0].shape == (480, 640, 3)
    truth = study.truth(rid).landmarks_px
    detector = Dlib68()
    found_before = 0
    for i in range(0, len(a), max(1, len(a) // 5)):
        x0, y0 = np.floor(truth[i].min(axis=0)).astype(int)
        x1, y1 = np.ceil(truth[i].max(axis=0)).astype(int)
        ga, gb = (cv2.cvtColor(np.ascontiguousarray(f), cv2.COLOR_RGB2GRAY)[y0:y1, x0:x1] for f in (a[i], b[i]))
        assert _hf_energy(gb) < 0.05 * _hf_energy(ga), i  # the fine detail of the face is gone
        found_before += bool(detector.detect(a[i], upsample=1))
        assert detector.detect(b[i], upsample=1) == [], i  # and the detector finds no face
    assert found_before >= 4  # ... where it found one in the same frames unblurred
    assert np.abs(a[0][-20:, :40].astype(int) - b[0][-20:, :40].astype(int)).mean() < 8  # rest of frame kept


def test_face_found_by_the_detector_where_there_are_no_landmarks(study):
    from neuroface_studio.app.export_video import FaceBlurrer
    from neuroface_studio.vision.dlib68 import Dlib68
    with study.open_recording("SIM002-OPEN") as reader:
        frame = reader.color(2)
    detector = Dlib68()
    assert detector.detect(frame, upsample=1)
    blur = FaceBlurrer(None, detector=detector)
    out = blur(0, frame)
    assert blur.stats.from_detector == 1 and detector.detect(out, upsample=1) == []


def test_frame_without_any_face_region_is_blurred_whole():
    from neuroface_studio.app.export_video import FaceBlurrer

    class NoFace:
        def detect(self, image, upsample=0):
            return []
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    blur = FaceBlurrer(np.full((1, 68, 2), np.nan), detector=NoFace())
    out = blur(0, frame)
    assert blur.stats.whole_frame == 1 and _hf_energy(out.mean(axis=2)) < 0.02 * _hf_energy(frame.mean(axis=2))


def test_refuses_non_empty_folder_and_removes_a_failed_export(study, tmp_path, monkeypatch, capsys):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    assert main(["export", str(study.folder), "--out", str(busy)]) == 2
    assert "is not empty" in capsys.readouterr().err and (busy / "keep.txt").read_text() == "mine"
    assert main(["export", str(study.folder), "--out", str(tmp_path / "x"), "--blur-faces"]) == 2
    assert "add recordings to --include" in capsys.readouterr().err
    assert main(["export", str(study.folder), "--out", str(tmp_path / "x"), "--include", "pictures"]) == 2
    assert "unknown export part(s) pictures" in capsys.readouterr().err

    def disk_full(self):
        (self.root / "features").mkdir()
        (self.root / "features" / "half.csv").write_text("partial")
        raise OSError(28, "No space left on device", str(self.root / "features" / "half.csv"))
    monkeypatch.setattr(export_mod._Exporter, "features", disk_full)
    n_log = len(study.project.audit_log)
    empty = tmp_path / "empty"
    empty.mkdir()  # an empty folder is accepted
    with pytest.raises(ExportError, match="No space left on device.*check free disk space"):
        export_study(study, empty)
    assert not any(empty.iterdir()) and not list(tmp_path.glob(".*partial"))
    assert len(study.project.audit_log) == n_log  # a failed export is not logged as done


def test_project_audit_cli(study, tmp_path, capsys):
    export_study(study, tmp_path / "e")
    capsys.readouterr()
    assert main(["project", "audit", str(study.folder), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["audit_log"]
    assert [r["action"] for r in rows][:2] == ["create project", "simulate"] and rows[-1]["action"] == "export"
    assert all(r["user"] and r["time"] for r in rows)
    assert main(["project", "audit", str(study.folder), "--filter", "CONSENT"]) == 0
    out = capsys.readouterr().out
    assert "test consent" in out and "simulate" not in out


def test_results_hold_landmark_accuracy_of_the_exported_participants_only(study, tmp_path):
    from neuroface_studio.store.tracks_file import TrackWriter, track_path
    rng = np.random.default_rng(0)
    for rid in sorted(study.project.recordings):  # a 'model' = the truth + 2 px noise, as a real track file
        t = study.truth(rid).landmarks_px
        info = {"name": "noisy", "version": "1", "sha256": "7" * 64}
        with TrackWriter.open(track_path(study.folder, rid, "noisy"), rid, len(t), info, {}, "2026-01-01") as w:
            w.write(0, (t + rng.normal(0, 2.0, t.shape)).astype(np.float32), np.ones(t.shape[:2], np.float32),
                    np.zeros(len(t), bool))
    out = tmp_path / "share"
    export_study(study, out, ExportOptions(parts=("results",)))
    acc = json.loads((out / "results" / "landmark_accuracy.json").read_text())
    rows = {(r["model"], r["group"]): r for r in acc["rows"]}
    exported_groups = {study.project.participants[p].group.value for p in ("SIM002", "SIM003")}
    assert {g for _, g in rows} == {"all"} | exported_groups
    assert 0.005 < rows[("noisy", "all")]["mean"] < 0.2 and acc["normalizer"] and acc["subset"]
    assert "2 participant(s)" in acc["frames"]  # SIM001 (no consent) is not scored
    assert json.loads((out / "manifest.json").read_text())["results"]["landmark_accuracy"] == "computed"
