"""The recording quality gate (issue 18): is a take good enough to analyse, or should it be retaken?

A take is judged on four measured quantities, each against two thresholds (amber, red); the
take's level is the worst of them. All thresholds live in :class:`QualityThresholds`, with why:

===============  ===========================  ==========  ========  =================================
quantity         measured as                  amber when  red when  why
===============  ===========================  ==========  ========  =================================
dropped frames   dropped / (written+dropped)  > 5 %       > 20 %    the timestamps bridge isolated
                                                                    drops; beyond 1 frame in 20 the
                                                                    gaps clip fast peaks (a /pa/
                                                                    syllable is ~150 ms), beyond 1 in
                                                                    5 syllables and peaks are lost
face found       frames with a face / frames  < 95 %      < 80 %    a frame without a face has no
                                                                    landmarks: the same loss as a drop
facing camera    1 - turned-away frames /     < 80 %      < 50 %    a frame with the head turned
                 frames with a face (turned                         away is left out of the traces
                 away: the live feedback's                          and features (a turned head
                 red, beyond max + amber                            distorts 2-D distances and
                 margin)                                            asymmetry): beyond 1 in 5 the
                                                                    task is thinly measured, beyond
                                                                    half mostly not at all
duration         seconds / the task's         < 80 %      < 50 %    too short to hold the task's
                 shortest plausible take                            repetitions (or REST's 20 s)
===============  ===========================  ==========  ========  =================================

The shortest plausible take of a task (:func:`expected_duration_s`): its fixed duration (REST
20 s); else its repetitions x :data:`SECONDS_PER_REPETITION` (1 s: a maximal mouth opening and
closing, a smile, "Buy Bobby a puppy" take at least about a second each); else, for a
diadochokinetic task on one breath (PA, PATAKA), :data:`DDK_SECONDS` (5 s, the usual DDK
sample). A take measured before rule 2 (no turned-away share) is judged on its frontal fraction
(the live feedback's green) with the same limits; rule 2 judges what the measurements leave out,
so a face a little off straight ahead (amber in the live view, 10-15 deg) is not a retake.
A quantity that was not measured (no pose feedback: no frontal fraction or face count;
a task not in the protocol: no expected duration) is not judged, and the verdict says so.

Qt-free and I/O-free: the recorder and the importer (app/live_session.py, app/file_import.py)
compute the verdict when a take ends and store it with the recording (the project file's
``quality["verdict"]`` and the recording file's ``take_quality`` attribute); Record, Review,
the participant report and the CLI only show it (:func:`recording_verdict`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from neuroface_studio.domain.protocol import Task
from neuroface_studio.domain.recordings import Recording

GREEN, AMBER, RED = "green", "amber", "red"
_RANK = {GREEN: 0, AMBER: 1, RED: 2}
#: the word a list shows for each level
LEVEL_WORDS = {GREEN: "good", AMBER: "check", RED: "retake"}
#: version of the rule stored with each verdict (a later rule can tell old verdicts apart)
RULE_VERSION = 2  # 2: "facing the camera" is the share not turned away (was: the frontal share)

SECONDS_PER_REPETITION = 1.0  #: shortest plausible repetition of a repeated task (s)
DDK_SECONDS = 5.0  #: shortest plausible take of an "as many as you can on one breath" task (s)


@dataclass(frozen=True)
class QualityThresholds:
    """Amber and red limits of the gate (fractions 0..1). See the module docstring for why."""

    drop_amber: float = 0.05  # dropped share above this: amber
    drop_red: float = 0.20
    face_amber: float = 0.95  # share of frames with a face below this: amber
    face_red: float = 0.80
    frontal_amber: float = 0.80  # share of frames facing the camera below this: amber
    frontal_red: float = 0.50
    duration_amber: float = 0.80  # seconds / shortest plausible take below this: amber
    duration_red: float = 0.50

    def __post_init__(self) -> None:
        for lo_name, hi_name in (("drop_amber", "drop_red"), ("face_red", "face_amber"),
                                 ("frontal_red", "frontal_amber"), ("duration_red", "duration_amber")):
            lo, hi = getattr(self, lo_name), getattr(self, hi_name)
            if not (0 <= lo <= hi <= 1):
                raise ValueError(f"take-quality thresholds: need 0 <= {lo_name} <= {hi_name} <= 1, got {lo} and {hi}")


@dataclass(frozen=True)
class TakeMeasures:
    """What is known about a take when it ends. None: not measured."""

    frames: int  # frames written
    dropped: int = 0  # frames lost by the camera or the recorder's queue
    face_fraction: float | None = None  # frames with a face found / frames
    frontal_fraction: float | None = None  # frames facing the camera / frames (no face = not frontal)
    duration_s: float | None = None  # the take's length on its own clock
    expected_s: float | None = None  # the task's shortest plausible take (expected_duration_s)
    task: str = ""
    turned_fraction: float | None = None  # frames with the head turned away / frames with a face (rule 2)

    def to_dict(self) -> dict:
        return {"frames": self.frames, "dropped": self.dropped, "face_fraction": _round(self.face_fraction),
                "frontal_fraction": _round(self.frontal_fraction), "turned_fraction": _round(self.turned_fraction),
                "duration_s": _round(self.duration_s, 3),
                "expected_s": self.expected_s, "task": self.task}


@dataclass(frozen=True)
class QualityVerdict:
    """Level (green / amber / red), the reasons (worst first), one plain suggestion."""

    level: str
    reasons: tuple[str, ...] = ()
    suggestion: str = ""
    measures: dict = field(default_factory=dict)
    not_judged: tuple[str, ...] = ()  # quantities that were not measured

    @property
    def word(self) -> str:
        """"good", "check" or "retake": the word a list shows."""
        return LEVEL_WORDS[self.level]

    def headline(self) -> str:
        """One line: "Good take", "Usable, but check: … — suggestion" or "Retake: … — suggestion"."""
        if self.level == GREEN:
            return "Good take"
        lead = "Retake" if self.level == RED else "Usable, but check"
        return f"{lead}: {self.reasons[0]}" + (f" — {self.suggestion}" if self.suggestion else "")

    def to_dict(self) -> dict:
        return {"level": self.level, "reasons": list(self.reasons), "suggestion": self.suggestion,
                "measures": dict(self.measures), "not_judged": list(self.not_judged), "rule": RULE_VERSION}

    @classmethod
    def from_dict(cls, data: dict) -> "QualityVerdict":
        """From :meth:`to_dict` (a project file, a recording file); ValueError when it is not one."""
        if not isinstance(data, dict) or data.get("level") not in _RANK:
            raise ValueError(f"not a take-quality verdict: {data!r}")
        return cls(str(data["level"]), tuple(str(r) for r in data.get("reasons", ())),
                   str(data.get("suggestion", "")), dict(data.get("measures", {})),
                   tuple(str(n) for n in data.get("not_judged", ())))


def _round(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(float(x), digits)


def _known(x) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


def expected_duration_s(task: Task | None) -> float | None:
    """The shortest plausible take of ``task`` in seconds (see the module docstring); None: unknown."""
    if task is None:
        return None
    if task.duration_s:
        return float(task.duration_s)
    if task.repetitions:
        return task.repetitions * SECONDS_PER_REPETITION
    if task.segmented:  # as many as you can on one breath
        return DDK_SECONDS
    return None


def _above(value: float, amber: float, red: float) -> str:
    return RED if value > red else AMBER if value > amber else GREEN


def _below(value: float, amber: float, red: float) -> str:
    return RED if value < red else AMBER if value < amber else GREEN


def assess_take(m: TakeMeasures, thresholds: QualityThresholds | None = None) -> QualityVerdict:
    """The verdict on a take from its measures."""
    t = thresholds or QualityThresholds()
    checks: list[tuple[str, str, str]] = []  # (level, reason, advice)
    not_judged = []
    total = m.frames + max(m.dropped, 0)
    if total > 0:
        share = max(m.dropped, 0) / total
        level = _above(share, t.drop_amber, t.drop_red)
        checks.append((level, f"{share:.0%} of frames were dropped ({m.dropped} of {total})",
                       "close other programs or lower the frame rate"))
    share = m.duration_s / m.expected_s if _known(m.duration_s) and _known(m.expected_s) and m.expected_s > 0 else None
    what = f"{m.task} needs" if m.task else "the task needs"
    if _known(m.turned_fraction):  # rule 2: what the measurements leave out
        facing = 1.0 - m.turned_fraction

        def facing_reason(v: float) -> str:
            return (f"the head was turned away from the camera in {1 - v:.0%} of the frames with a face "
                    "(those frames are left out of the measurements)")
    else:  # a take judged before rule 2: its frontal share
        facing = m.frontal_fraction

        def facing_reason(v: float) -> str:
            return f"the participant faced the camera in only {v:.0%} of frames"
    # (name when not measured, share 0..1 or None, amber and red limits: below them is worse, reason, advice)
    for name, value, amber, red, reason, advice in (
            ("face found", m.face_fraction, t.face_amber, t.face_red,
             lambda v: f"the face was not found in {1 - v:.0%} of frames",
             "check the lighting and that the whole face is in the picture"),
            ("facing the camera", facing, t.frontal_amber, t.frontal_red, facing_reason,
             "ask the participant to look at the camera"),
            ("duration", share, t.duration_amber, t.duration_red,
             lambda v: f"the take lasted {m.duration_s:.1f} s; {what} at least {m.expected_s:.0f} s",
             "record the whole task")):
        if _known(value):
            checks.append((_below(value, amber, red), reason(value), advice))
        else:
            not_judged.append(name)
    bad = sorted((c for c in checks if c[0] != GREEN), key=lambda c: -_RANK[c[0]])
    level = bad[0][0] if bad else GREEN
    return QualityVerdict(level, tuple(c[1] for c in bad), bad[0][2] if bad else "", m.to_dict(), tuple(not_judged))


def recording_verdict(recording: Recording, task: Task | None = None) -> QualityVerdict | None:
    """The verdict stored with ``recording`` (``quality["verdict"]``); for a take recorded before the
    gate existed, the verdict of what its quality summary holds (drops, frontal fraction, length);
    None when nothing is known (a simulated or recovered recording)."""
    q = recording.quality or {}
    stored = q.get("verdict")
    if stored is not None:
        try:
            return QualityVerdict.from_dict(stored)
        except ValueError:
            pass  # a damaged entry: judge again from the summary
    if "dropped" not in q and "frontal_fraction" not in q:
        return None
    dropped = int(q.get("dropped", 0) or 0)
    duration = q.get("duration_s")
    if not _known(duration):
        duration = (recording.n_frames + dropped) / recording.fps
    return assess_take(TakeMeasures(recording.n_frames, dropped, None, q.get("frontal_fraction"), duration,
                                    expected_duration_s(task), recording.task_code))
