"""The minimum numbers of participants below which a statistic is not shown (issue 18).

This module is the one place that states them. Everything that produces or shows a z-score, a
classifier AUC, its bootstrap CI or a participant's classifier probability asks it first: the
features table and ROC page in Analyze, the participant report, the study summary, and the CLI's
``features`` / ``classify`` (which keep the numbers in their JSON, flagged, instead of hiding them).

* A **z-score against the controls** needs at least :data:`MIN_CONTROLS_FOR_Z` control participants
  (measured the same way, with a value of that feature). With 2 controls the SD is a guess, and
  z-scores of -40 appear that mean nothing.
* A **patient-vs-control classifier** (its AUC, CI and probabilities) needs at least
  :data:`MIN_PER_GROUP_FOR_CLASSIFIER` participants in *each* group. With 2 per group the AUC can
  only be 0, 0.25, 0.5, 0.75 or 1, and 1.00 (1.00-1.00) says nothing about a clinic.
* A **bootstrap CI** that cannot be estimated (no resample held both groups, or every resample gave
  the same AUC, so the interval has no width) is printed "CI not estimable (n=...)", never as a point.

Below a minimum the text is "not enough participants (n=2 controls; at least 5 needed)": the n,
and what is needed. Counts are of participants, never of repetitions (a participant's repetitions
are not independent). Pure Python: no Qt, no numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Control participants needed before a z-score against them is shown.
MIN_CONTROLS_FOR_Z = 5
#: Participants needed in each group before a classifier's AUC, CI or probabilities are shown.
MIN_PER_GROUP_FOR_CLASSIFIER = 5
NOT_ENOUGH = "not enough participants"


@dataclass(frozen=True)
class SampleSize:
    """Participants counted for one statistic, against its minimum: ``counts`` ((label, n), ...)."""

    counts: tuple[tuple[str, int], ...]
    minimum: int
    per_group: bool  # the minimum applies to each group (classifier), else to the one count (z)

    @property
    def ok(self) -> bool:
        return bool(self.counts) and all(n >= self.minimum for _, n in self.counts)

    @property
    def n_text(self) -> str:
        """"n=2 controls" or "n=5 HC, 3 ALS"."""
        return "n=" + ", ".join(f"{n} {label}" for label, n in self.counts)

    @property
    def needed(self) -> str:
        return f"at least {self.minimum}{' per group' if self.per_group else ''} needed"

    @property
    def reason(self) -> str:
        """"" when enough; else "not enough participants (n=2 controls; at least 5 needed)"."""
        return "" if self.ok else f"{NOT_ENOUGH} ({self.n_text}; {self.needed})"

    def to_dict(self) -> dict:
        """JSON-ready: the counts, the minimum, and ``not_enough`` (the reason, "" when enough)."""
        return {"n": dict(self.counts), "minimum": self.minimum, "per_group": self.per_group,
                "not_enough": self.reason}


def z_sample(n_controls: int, control: str = "") -> SampleSize:
    """Whether a z-score against ``n_controls`` control participants can be shown."""
    label = f"{control} controls" if control else "controls"
    return SampleSize(((label, int(n_controls)),), MIN_CONTROLS_FOR_Z, per_group=False)


def classifier_sample(counts: dict[str, int]) -> SampleSize:
    """Whether a classifier on these participants per group (``{"HC": 5, "ALS": 4}``) can be shown."""
    return SampleSize(tuple((g, int(n)) for g, n in counts.items()), MIN_PER_GROUP_FOR_CLASSIFIER, per_group=True)


def ci_estimable(ci, resamples: int | None = None) -> bool:
    """A bootstrap CI ``(low, high)`` is estimable when both ends are numbers, the interval has a
    width, and (when known) at least one resample held both groups."""
    if ci is None or len(ci) != 2 or resamples == 0:
        return False
    lo, hi = ci
    return lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi) and hi > lo


def ci_text(ci, n_text: str, resamples: int | None = None, digits: int = 2) -> str:
    """"0.62–0.91", or "CI not estimable (n=5 HC, 5 ALS)"."""
    if not ci_estimable(ci, resamples):
        return f"CI not estimable ({n_text})"
    return f"{ci[0]:.{digits}f}–{ci[1]:.{digits}f}"


def auc_text(auc: float, ci, sample: SampleSize, resamples: int | None = None) -> str:
    """A classifier's AUC with its CI and n, or why it is not shown:
    "AUC 0.83 (95% CI 0.62–0.97; n=5 HC, 5 ALS)", "AUC 1.00 (CI not estimable; n=5 HC, 5 ALS)",
    "not enough participants (n=2 HC, 2 ALS; at least 5 per group needed)"."""
    if not sample.ok:
        return sample.reason
    if auc is None or not math.isfinite(auc):
        return f"AUC not computable ({sample.n_text})"
    ci_part = (f"95% CI {ci[0]:.2f}–{ci[1]:.2f}" if ci_estimable(ci, resamples) else "CI not estimable")
    return f"AUC {auc:.2f} ({ci_part}; {sample.n_text})"
