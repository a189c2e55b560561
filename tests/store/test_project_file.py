import json
import os

import numpy as np
import pytest

from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.store import migrations
from neuroface_studio.store.codec import SCHEMA_VERSION
from neuroface_studio.store.errors import (
    CorruptProjectError,
    NotAProjectError,
    ProjectNotFoundError,
    StoreError,
    UnsupportedVersionError,
)
from neuroface_studio.store.project_file import PROJECT_FILENAME, load_project, save_project


def test_round_trip_keeps_everything(handmade_project):
    p = load_project(handmade_project)
    save_project(p, handmade_project)
    q = load_project(handmade_project)
    assert q.participants == p.participants and q.sessions == p.sessions
    assert q.recordings == p.recordings and q.repetitions == p.repetitions
    for k, s in p.landmark_sets.items():
        t = q.landmark_sets[k]
        assert np.allclose(s.points_px, t.points_px, atol=1e-4) and t.source == s.source
    assert [e.action for e in q.audit_log] == ["create project", "test setup"]
    data = json.loads((handmade_project / PROJECT_FILENAME).read_text())
    assert data["format"] == "neuroface-studio-project" and data["schema_version"] == SCHEMA_VERSION


def test_missing_and_foreign_folders(tmp_path):
    with pytest.raises(ProjectNotFoundError, match="does not exist"):
        load_project(tmp_path / "nope")
    with pytest.raises(NotAProjectError, match="not a NeuroFace Studio project"):
        load_project(tmp_path)
    (tmp_path / PROJECT_FILENAME).write_text('{"hello": 1}')
    with pytest.raises(NotAProjectError, match="format id"):
        load_project(tmp_path)


def test_corrupt_file_points_to_backup(handmade_project):
    path = handmade_project / PROJECT_FILENAME
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])  # torn write from some other tool
    with pytest.raises(CorruptProjectError, match=r"not valid JSON.*project\.nfs\.json\.bak"):
        load_project(handmade_project)
    data = json.loads(good)
    del data["participants"]
    path.write_text(json.dumps(data))
    with pytest.raises(CorruptProjectError, match="missing field 'participants'"):
        load_project(handmade_project)


def test_newer_version_is_refused_and_left_untouched(handmade_project):
    path = handmade_project / PROJECT_FILENAME
    data = json.loads(path.read_text())
    data["schema_version"] = SCHEMA_VERSION + 1
    path.write_text(json.dumps(data))
    before = path.read_bytes()
    with pytest.raises(UnsupportedVersionError, match="newer NeuroFace Studio"):
        load_project(handmade_project)
    assert path.read_bytes() == before


def test_migration_steps_are_applied(handmade_project, monkeypatch):
    """An old file (schema v0 here, where participants were called 'subjects') is migrated."""
    path = handmade_project / PROJECT_FILENAME
    data = json.loads(path.read_text())
    data["schema_version"] = 0
    data["subjects"] = data.pop("participants")
    path.write_text(json.dumps(data))

    def v0_to_v1(d):
        d["participants"] = d.pop("subjects")
        return d

    monkeypatch.setitem(migrations.MIGRATIONS, 0, v0_to_v1)
    assert set(load_project(handmade_project).participants) == {"P001", "P002"}
    monkeypatch.delitem(migrations.MIGRATIONS, 0)
    with pytest.raises(UnsupportedVersionError, match="no migration from schema version 0"):
        load_project(handmade_project)


def test_failed_save_keeps_previous_file(handmade_project, monkeypatch):
    s = ProjectSession.open(handmade_project)
    before = (handmade_project / PROJECT_FILENAME).read_bytes()
    s.project.name = "renamed"

    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(StoreError, match="No space left.*previous project file is unchanged"):
        s.save()
    assert (handmade_project / PROJECT_FILENAME).read_bytes() == before
    assert not [f for f in os.listdir(handmade_project) if f.endswith(".tmp")]
    monkeypatch.undo()
    s.save()
    assert load_project(handmade_project).name == "renamed"
    assert (handmade_project / (PROJECT_FILENAME + ".bak")).read_bytes() == before


def test_create_refuses_non_empty_folder(tmp_path, handmade_project):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match="not empty"):
        ProjectSession.create(tmp_path / "x")
    with pytest.raises(StoreError, match="already holds a project"):
        ProjectSession.create(handmade_project)


def test_opening_the_project_file_itself_works_and_saves(handmade_project):
    s = ProjectSession.open(handmade_project / PROJECT_FILENAME)
    assert s.folder == handmade_project
    s.save()
    assert s.open_recording("P001-OPEN").n_frames == 12


def test_failed_save_leaves_no_audit_entry(handmade_project, monkeypatch):
    s = ProjectSession.open(handmade_project)
    n = len(s.project.audit_log)
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    with pytest.raises(StoreError):
        s.save()
    assert len(s.project.audit_log) == n


def test_damaged_recording_attributes_give_a_clear_error(handmade_project):
    import h5py
    from neuroface_studio.store.errors import RecordingFileError
    from neuroface_studio.store.recording_file import RecordingReader
    path = handmade_project / "recordings" / "P001-OPEN.h5"
    with h5py.File(path, "r+") as f:
        f.attrs["camera"] = "{not json"
    with pytest.raises(RecordingFileError, match="damaged"):
        RecordingReader(path)


def test_schema_1_project_gains_an_empty_annotation_queue(handmade_project, tmp_path):
    """Schema 2 added the annotation queue: a schema-1 file (no queue) opens with an empty one,
    and a queue saved now survives the round trip."""
    import json

    from neuroface_studio.domain.annotations import QueueItem
    from neuroface_studio.store.project_file import load_project, project_file, save_project
    folder = handmade_project
    data = json.loads(project_file(folder).read_text())
    del data["annotation_queue"]
    data["schema_version"] = 1
    project_file(folder).write_text(json.dumps(data))
    assert load_project(folder).annotation_queue == []
    project = load_project(folder)
    rid = next(iter(project.recordings))
    project.annotation_queue = [QueueItem(rid, 3, "peak of movement")]
    save_project(project, folder)
    assert load_project(folder).annotation_queue == [QueueItem(rid, 3, "peak of movement")]
