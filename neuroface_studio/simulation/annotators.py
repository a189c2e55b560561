"""Simulated annotators: human-like landmark corrections with a personal bias and noise.

Real annotators disagree systematically (SCIENCE.md: a model fine-tuned on one annotator's
labels is biased against the others). Each :class:`SimulatedAnnotator` shifts some landmark
groups by a fixed offset in px (image axes: +x right, +y down; "outward" is away from the
mouth centre) and adds isotropic Gaussian noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neuroface_studio.domain.landmarks import MOUTH_CORNERS, N_LANDMARKS, validate_points


@dataclass(frozen=True)
class SimulatedAnnotator:
    """bias_px: ((indices, (dx, dy)), ...) fixed offsets in px; ``corner_outward_px`` moves the
    mouth corners away from the mouth centre; noise_px: SD of the per-coordinate noise."""

    annotator_id: str
    bias_px: tuple[tuple[tuple[int, ...], tuple[float, float]], ...]
    noise_px: float
    corner_outward_px: float = 0.0

    def bias_vectors(self, truth_px: np.ndarray) -> np.ndarray:
        """The systematic offset (68, 2) px this annotator adds to ``truth_px`` (68, 2)."""
        bias = np.zeros((N_LANDMARKS, 2))
        for indices, (dx, dy) in self.bias_px:
            bias[list(indices)] += (dx, dy)
        if self.corner_outward_px:
            a, b = MOUTH_CORNERS
            direction = truth_px[b] - truth_px[a]
            direction = direction / max(float(np.linalg.norm(direction)), 1e-9)
            bias[a] -= self.corner_outward_px * direction
            bias[b] += self.corner_outward_px * direction
        return bias


_LOWER_LIP = (55, 56, 57, 58, 59, 65, 66, 67)
_BROWS = tuple(range(17, 27))
_JAW_LOW = (5, 6, 7, 8, 9, 10, 11)

#: Three annotators with distinct, plausible habits.
ANNOTATORS: tuple[SimulatedAnnotator, ...] = (
    SimulatedAnnotator("sim-A", bias_px=((_BROWS, (0.0, -0.5)),), noise_px=0.8, corner_outward_px=1.5),
    SimulatedAnnotator("sim-B", bias_px=((_LOWER_LIP, (0.0, 1.5)), (_JAW_LOW, (0.0, 1.0))), noise_px=0.8),
    SimulatedAnnotator("sim-C", bias_px=((_BROWS, (0.0, 0.3)),), noise_px=1.4),
)


def annotate(annotator: SimulatedAnnotator, truth_px: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An annotator's labels (68, 2) px for the true landmarks ``truth_px`` (68, 2) px."""
    truth = validate_points(truth_px)
    return truth + annotator.bias_vectors(truth) + rng.normal(0.0, annotator.noise_px, truth.shape)


def choose_annotation_frames(plan, per_repetition: int = 2, rng: np.random.Generator | None = None) -> list[int]:
    """Frames worth annotating (sorted, unique), skipping frames where the head is turned away.

    Segmented tasks: per repetition its first (rest) frame, its extreme frame (largest
    landmark displacement from the first frame) and, when ``per_repetition`` > 2, further
    random frames inside the span. REST (no repetitions): ``5 * per_repetition`` evenly
    spaced frames.
    """
    usable = ~np.asarray(plan.turned_away)
    pts = np.asarray(plan.landmarks_px)
    chosen: set[int] = set()
    if not plan.repetitions:
        candidates = np.linspace(0, plan.n_frames - 1, 5 * per_repetition).round().astype(int)
        chosen.update(int(i) for i in candidates if usable[i])
        return sorted(chosen)
    rng = rng if rng is not None else np.random.default_rng(plan.seed)
    for start, end in plan.repetitions:
        frames = np.arange(start, end + 1)
        frames = frames[usable[frames]]
        if frames.size == 0:
            continue
        first = int(frames[0])
        moved = np.linalg.norm(pts[frames] - pts[first], axis=2).mean(axis=1)
        picks = [first, int(frames[int(np.argmax(moved))])][:max(per_repetition, 1)]
        extra = per_repetition - len(picks)
        if extra > 0:
            rest = np.setdiff1d(frames, picks)
            picks += [int(i) for i in rng.choice(rest, size=min(extra, rest.size), replace=False)]
        chosen.update(picks)
    return sorted(chosen)
