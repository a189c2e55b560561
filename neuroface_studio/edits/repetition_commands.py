"""Undoable edits of a recording's repetitions: add, delete, move/resize, split, merge, replace.

Every command checks its result before changing anything (ValueError with what is wrong and
what to do; the project is untouched): spans satisfy ``0 <= start <= end < n_frames`` of the
recording and no two repetitions of a recording share a frame. Each command stores the
recording's repetitions before and after, so undo and redo restore them exactly.

A drag of a span's edge pushes :class:`SetRepetitionSpan` steps with ``merge=True``; they
merge into one undo step. :class:`ReplaceRepetitions` puts proposals (or any list) in place
of all of a recording's repetitions as a single undo step.

**A person's repetitions** (:func:`persons_repetitions`, the one rule the batch command, the
CLI and Segment's Accept all share): a recording's repetitions are a person's unless every one
is an untouched machine span (``source`` "proposed" by segmentation or "truth" from the
simulator). Any edit by hand (add, move/resize, split, merge; a delete, which marks the rest
"manual") makes the recording's set a person's, and a proposal never replaces it silently.
"""

from __future__ import annotations

from collections.abc import Iterable

from neuroface_studio.domain.project import Project
from neuroface_studio.domain.recordings import Repetition
from neuroface_studio.edits.undo import Command


MACHINE_SOURCES = ("proposed", "truth")  # repetitions no person has made or changed


def persons_repetitions(project: Project, recording_id: str) -> list[Repetition]:
    """The recording's repetitions when a person made or edited any of them, else [] (none, or all
    untouched machine spans that a new proposal may replace)."""
    reps = project.repetitions_of(recording_id)
    return reps if any(r.source not in MACHINE_SOURCES for r in reps) else []


def _span_text(start: int, end: int) -> str:
    return f"{start}..{end}"


def validate_spans(project: Project, recording_id: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Check ``(start, end)`` inclusive spans for one recording; return them sorted as ints.

    Raises ValueError naming the first problem: unknown recording, start after end, a span
    outside the recording's frames, or two spans that overlap.
    """
    rec = project.recordings.get(recording_id)
    if rec is None:
        known = ", ".join(sorted(project.recordings)[:8]) or "none"
        raise ValueError(f"unknown recording {recording_id!r}; the project's recordings include: {known}")
    out = []
    for start, end in spans:
        a, b = int(start), int(end)
        if a > b:
            raise ValueError(f"repetition {_span_text(a, b)}: the start frame is after the end frame; "
                             "swap them or pick the frames again")
        if a < 0 or b >= rec.n_frames:
            raise ValueError(f"repetition {_span_text(a, b)} is outside recording {recording_id}, whose frames are "
                             f"0..{rec.n_frames - 1}; keep it inside the recording")
        out.append((a, b))
    out.sort()
    for (a0, b0), (a1, b1) in zip(out, out[1:]):
        if a1 <= b0:
            raise ValueError(f"repetitions {_span_text(a0, b0)} and {_span_text(a1, b1)} of {recording_id} overlap "
                             f"on frames {_span_text(a1, min(b0, b1))}; move or shorten one of them")
    return out


class _RecordingRepetitionsCommand(Command):
    """Base: replaces one recording's repetitions by ``after`` (validated) and back by ``before``."""

    def __init__(self, project: Project, recording_id: str, after: list[Repetition], label: str,
                 check: bool = True) -> None:
        validate_spans(project, recording_id, [(r.start_frame, r.end_frame) for r in after] if check else [])
        self.project = project
        self.recording_id = recording_id
        self.before = tuple(project.repetitions_of(recording_id))
        self.after = tuple(sorted(after, key=lambda r: r.start_frame))
        self.label = label

    def _set(self, reps: tuple[Repetition, ...]) -> None:
        others = [r for r in self.project.repetitions if r.recording_id != self.recording_id]
        self.project.repetitions[:] = others + list(reps)

    def do(self) -> None:
        self._set(self.after)

    def undo(self) -> None:
        self._set(self.before)


def _find(project: Project, repetition: Repetition) -> list[Repetition]:
    """The recording's repetitions (sorted), after checking ``repetition`` is one of them."""
    reps = project.repetitions_of(repetition.recording_id) if repetition.recording_id in project.recordings else []
    if repetition not in reps:
        raise ValueError(f"repetition {_span_text(repetition.start_frame, repetition.end_frame)} is not in recording "
                         f"{repetition.recording_id!r} (it may have been changed already); select it again")
    return reps


def _new(recording_id: str, start: int, end: int, source: str) -> Repetition:
    if int(start) < 0 or int(start) > int(end):
        raise ValueError(f"repetition {_span_text(int(start), int(end))}: frames must satisfy 0 <= start <= end")
    return Repetition(recording_id, int(start), int(end), source)


class AddRepetition(_RecordingRepetitionsCommand):
    """Add a repetition ``start .. end`` (inclusive) to a recording."""

    def __init__(self, project: Project, recording_id: str, start: int, end: int, source: str = "manual") -> None:
        validate_spans(project, recording_id, [(start, end)])
        self.repetition = _new(recording_id, start, end, source)
        current = project.repetitions_of(recording_id)
        super().__init__(project, recording_id, [*current, self.repetition],
                         f"add repetition {_span_text(int(start), int(end))}")


class DeleteRepetition(_RecordingRepetitionsCommand):
    def __init__(self, project: Project, repetition: Repetition) -> None:
        reps = _find(project, repetition)
        reps.remove(repetition)
        # the rest were checked by the person who deleted this one: theirs now (persons_repetitions)
        reps = [Repetition(r.recording_id, r.start_frame, r.end_frame, "manual") for r in reps]
        # no check: deleting never creates a problem, and it must fix overlaps from older files
        super().__init__(project, repetition.recording_id, reps,
                         f"delete repetition {_span_text(repetition.start_frame, repetition.end_frame)}", check=False)


class SetRepetitionSpan(_RecordingRepetitionsCommand):
    """Move or resize a repetition to ``start .. end``. Steps of one drag merge (``merge=True``)."""

    def __init__(self, project: Project, repetition: Repetition, start: int, end: int) -> None:
        reps = _find(project, repetition)
        self.new = _new(repetition.recording_id, start, end, "manual")
        reps[reps.index(repetition)] = self.new
        super().__init__(project, repetition.recording_id, reps,
                         f"set repetition {_span_text(repetition.start_frame, repetition.end_frame)} "
                         f"to {_span_text(int(start), int(end))}")

    def merge_with(self, newer: Command) -> bool:
        if (isinstance(newer, SetRepetitionSpan) and newer.recording_id == self.recording_id
                and newer.before == self.after):
            self.after, self.new = newer.after, newer.new
            self.label = self.label.rsplit(" to ", 1)[0] + f" to {_span_text(self.new.start_frame, self.new.end_frame)}"
            return True
        return False


class SplitRepetition(_RecordingRepetitionsCommand):
    """Split a repetition before ``frame``: ``start .. frame-1`` and ``frame .. end``."""

    def __init__(self, project: Project, repetition: Repetition, frame: int) -> None:
        reps = _find(project, repetition)
        frame = int(frame)
        a, b = repetition.start_frame, repetition.end_frame
        if not a < frame <= b:
            raise ValueError(f"cannot split repetition {_span_text(a, b)} at frame {frame}: pick a frame from "
                             f"{a + 1} to {b}" if b > a else f"repetition {_span_text(a, b)} is one frame long "
                             "and cannot be split")
        i = reps.index(repetition)
        reps[i:i + 1] = [_new(repetition.recording_id, a, frame - 1, "manual"),
                         _new(repetition.recording_id, frame, b, "manual")]
        super().__init__(project, repetition.recording_id, reps, f"split repetition {_span_text(a, b)} at {frame}")


class MergeRepetitions(_RecordingRepetitionsCommand):
    """Merge two neighbouring repetitions (no repetition between them) into one span."""

    def __init__(self, project: Project, first: Repetition, second: Repetition) -> None:
        if first.recording_id != second.recording_id:
            raise ValueError("only repetitions of the same recording can be merged")
        reps = _find(project, first)
        _find(project, second)
        if first == second:
            raise ValueError("select two different repetitions to merge")
        i, j = sorted((reps.index(first), reps.index(second)))
        if j != i + 1:
            raise ValueError(f"repetitions {_span_text(reps[i].start_frame, reps[i].end_frame)} and "
                             f"{_span_text(reps[j].start_frame, reps[j].end_frame)} are not neighbours; "
                             "merge neighbouring repetitions one pair at a time")
        merged = _new(first.recording_id, reps[i].start_frame, reps[j].end_frame, "manual")
        reps[i:j + 1] = [merged]
        super().__init__(project, first.recording_id, reps, f"merge repetitions into "
                                                            f"{_span_text(merged.start_frame, merged.end_frame)}")


class ReplaceRepetitions(_RecordingRepetitionsCommand):
    """Put ``spans`` ((start, end) pairs) in place of all of a recording's repetitions: one undo step."""

    def __init__(self, project: Project, recording_id: str, spans: Iterable[tuple[int, int]],
                 source: str = "proposed") -> None:
        pairs = validate_spans(project, recording_id, spans)
        super().__init__(project, recording_id, [_new(recording_id, a, b, source) for a, b in pairs],
                         f"replace the repetitions of {recording_id} ({len(pairs)} {source})")
