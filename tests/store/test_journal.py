"""The annotation journal: fsynced lines, torn last line skipped, cleared on save."""

from __future__ import annotations

import numpy as np

from neuroface_studio.domain.annotations import LandmarkSet, LandmarkSource
from neuroface_studio.store.journal import Journal, journal_path, read_journal


def _set(i: int) -> LandmarkSet:
    return LandmarkSet(f"R-f{i:05d}-AA", "R", i, np.full((68, 2), float(i)), LandmarkSource("annotator", annotator_id="AA"),
                       "2026-11-29T00:00:00+00:00")


def test_put_remove_and_torn_line(tmp_path):
    j = Journal(tmp_path)
    j.put(_set(1), "t1", "u")
    j.put(_set(2), "t2", "u")
    j.remove("R-f00001-AA", "t3", "u")
    with open(journal_path(tmp_path), "ab") as f:
        f.write(b'{"time":"t4","user":"u","op":"put","set":{"id":"R-f0')  # killed mid-write
    entries, skipped = read_journal(tmp_path)
    assert [(e.op, e.set_id) for e in entries] == [("put", "R-f00001-AA"), ("put", "R-f00002-AA"),
                                                   ("remove", "R-f00001-AA")]
    assert skipped == 1 and np.array_equal(entries[1].landmark_set.points_px, np.full((68, 2), 2.0))
    j.clear()
    assert read_journal(tmp_path) == ([], 0)
    j.put(_set(3), "t5", "u")  # writing again after a clear starts a new journal
    assert [e.set_id for e in read_journal(tmp_path)[0]] == ["R-f00003-AA"]
