import pytest

from neuroface_studio.app import demo
from neuroface_studio.app.jobs import CancelToken, JobCancelled
from neuroface_studio.app.simulate import SimulationRequest
from neuroface_studio.domain.participants import Group
from neuroface_studio.store.errors import StoreError
from neuroface_studio.store.project_file import load_project

TINY = SimulationRequest(participants=3, groups=(Group.HC, Group.ALS, Group.PS), tasks=("OPEN",),
                         fps=10.0, duration_scale=0.2, annotators=1)


def test_demo_is_built_once_and_reused(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_REQUEST", TINY)
    folder = demo.ensure_demo_project(tmp_path / "demo")
    assert demo.demo_state(folder) == "complete"
    p = load_project(folder)
    assert {x.group for x in p.participants.values()} == {Group.HC, Group.ALS, Group.PS}
    stamp = (folder / "project.nfs.json").stat().st_mtime_ns
    assert demo.ensure_demo_project(folder) == folder
    assert (folder / "project.nfs.json").stat().st_mtime_ns == stamp  # reused, not rebuilt


def test_cancelled_demo_is_rebuilt_next_time(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_REQUEST", TINY)
    token = CancelToken()
    token.cancel()
    with pytest.raises(JobCancelled):
        demo.ensure_demo_project(tmp_path / "demo", cancel=token)
    assert demo.demo_state(tmp_path / "demo") == "building"
    demo.ensure_demo_project(tmp_path / "demo")
    assert len(load_project(tmp_path / "demo").recordings) == 3


def test_never_deletes_a_folder_that_is_not_a_demo(handmade_project):
    with pytest.raises(StoreError, match="not a demo project folder"):
        demo.ensure_demo_project(handmade_project, rebuild=True)
    assert load_project(handmade_project).participants
