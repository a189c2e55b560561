"""DDK measures from a speech task's sound, added to its feature rows (the hook in app/kinematics.py).

For a speech task (BBP, PA, PATAKA) each repetition's row gets :data:`analysis.ddk.DDK_NAMES`
(syllable count, rate syll/s, mean and CV of the inter-syllable intervals, speech duration,
lip-opening-to-voice delay, and the whole train's rate and CV), computed from the recording's
sound track (``/audio``) on the frames' clock; the lip opening comes from the landmarks' lip
aperture. A speech recording without sound gets the columns as NaN with the reason (JSON:
null + ``why_null``); other tasks get no DDK columns.
"""

from __future__ import annotations

import math
import logging

import numpy as np

from neuroface_studio.analysis.ddk import DDK_NAMES, speech_measures
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.store.errors import StoreError

log = logging.getLogger(__name__)

SPEECH_TASKS = ("BBP", "PA", "PATAKA")


def recording_speech_measures(session: ProjectSession, recording_id: str, spans: list[tuple[int, int]],
                              points: np.ndarray | None = None) -> tuple[list[dict], str]:
    """DDK measures per repetition span (inclusive frames) of ``recording_id`` and why they are NaN ("")."""
    try:
        with session.open_recording(recording_id) as reader:
            track = reader.audio()
            stamps = np.asarray(reader.timestamps_s(), np.float64)
    except (StoreError, OSError) as exc:
        return [dict.fromkeys(DDK_NAMES, math.nan) for _ in spans], f"the sound could not be read ({exc})"
    if track is None or track.n_samples < track.sample_rate // 10:
        return [dict.fromkeys(DDK_NAMES, math.nan) for _ in spans], "the recording has no sound track"
    spans_s = [(float(stamps[min(a, len(stamps) - 1)]), float(stamps[min(b, len(stamps) - 1)])) for a, b in spans]
    lip = None
    if points is not None:
        from neuroface_studio.analysis.traces import compute_trace
        try:
            aperture = np.asarray(compute_trace("lip_aperture", np.asarray(points)[..., :2]), np.float64)
            n = min(len(aperture), len(stamps))
            lip = (stamps[:n], aperture[:n])
        except (ValueError, IndexError) as exc:  # no lips: only the lip-to-voice delay is lost
            log.info("lip aperture of %s unavailable for DDK: %s", recording_id, exc)
    rows, info = speech_measures(track.mono(), track.sample_rate, track.start_s, spans_s, lip)
    return rows, info["why"]


def add_speech_measures(session: ProjectSession, recording_id: str, rows: list[dict], reasons: list[dict],
                        points: np.ndarray | None = None) -> None:
    """Add the DDK columns to ``rows`` (one per repetition, with ``start``/``end`` frames) in place."""
    if not rows or str(rows[0].get("task", "")).upper() not in SPEECH_TASKS:
        return
    measures, why = recording_speech_measures(session, recording_id, [(r["start"], r["end"]) for r in rows], points)
    for row, reason, m in zip(rows, reasons, measures):
        row.update(m)
        for key in DDK_NAMES:
            if not math.isfinite(m[key]):
                reason[key] = why or ("fewer than 2 syllables in this repetition" if key in (
                    "ddk_rate_syll_s", "ddk_isi_mean_s", "ddk_task_rate_syll_s") else
                    "fewer than 3 syllables" if key.endswith("isi_cv") else
                    "no lip landmarks / no lip opening found" if key == "ddk_lip_voice_delay_s" else "not computable")
