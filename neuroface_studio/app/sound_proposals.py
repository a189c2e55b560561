"""Speech-task repetitions proposed from the sound (the hook in app/segmentation.py).

BBP, PA and PATAKA recordings with a sound track are segmented from their syllable onsets
(analysis/ddk.propose_from_sound: PA one syllable a repetition, PATAKA three, BBP a sentence),
each proposal with a confidence from the sound's signal-to-noise ratio and the regularity of
its syllables. Where the sound is poor (under 12 dB above its noise floor), missing, or the
task is not a speech task, None is returned with the reason and the lips' proposal stands.
"""

from __future__ import annotations

import numpy as np

from neuroface_studio.analysis.ddk import propose_from_sound
from neuroface_studio.analysis.segmentation import ProposedSpan
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.store.errors import StoreError

SPEECH_TASKS = ("BBP", "PA", "PATAKA")


def sound_spans(session: ProjectSession, recording_id: str, task_code: str,
                trace: np.ndarray | None = None) -> tuple[list[ProposedSpan] | None, str]:
    """Proposals from the sound, or None and why (then the lips' proposals are used)."""
    if task_code.upper() not in SPEECH_TASKS:
        return None, ""
    try:
        with session.open_recording(recording_id) as reader:
            track = reader.audio()
            stamps = np.asarray(reader.timestamps_s(), np.float64)
    except (StoreError, OSError) as exc:
        return None, f"the sound could not be read ({exc}); proposals come from the lips"
    if track is None:
        return None, "no sound track; proposals come from the lips"
    spans, meta = propose_from_sound(track.mono(), track.sample_rate, track.start_s, stamps, task_code)
    if spans is None:
        return None, meta["why"]
    out = []
    for a, b, conf in spans:
        peak = (a + b) // 2
        if trace is not None and np.isfinite(trace[a:b + 1]).any():
            peak = a + int(np.nanargmax(trace[a:b + 1]))
        out.append(ProposedSpan(int(a), int(b), float(conf), int(peak)))
    return out, (f"from the sound: {meta['n_onsets']} syllable onsets, signal-to-noise {meta['snr_db']:.0f} dB")
