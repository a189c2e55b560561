"""The control reference: each participant's mean per feature, and the controls' mean ± SD over them.

One rule for every place that compares a participant with the controls (the Analyze features
table, its CSV, the participant report): a participant counts once, however many repetitions
they did. :func:`participant_means` averages the per-repetition rows of
``app.kinematics.project_features`` over each participant's repetitions of one task;
:func:`control_stats` gives the controls' mean and sample SD *of those participant means*
(never of their pooled repetitions, which would shrink the SD and inflate every z);
:func:`control_z_scores` the z of each participant. No z with fewer controls than
``sample_size.MIN_CONTROLS_FOR_Z`` or when the controls do not vary. Recordings without depth are
measured in 2D (interocular units): a participant is compared only with controls measured in the
same space. Speech tasks with sound add the DDK measures (:func:`feature_names`).
"""

from __future__ import annotations

import math

import numpy as np

from neuroface_studio.analysis.ddk import DDK_NAMES
from neuroface_studio.analysis.features import FEATURE_NAMES, SPACE_3D
from neuroface_studio.analysis.sample_size import SampleSize, z_sample

CONTROL = "HC"


def _finite(v) -> bool:
    return isinstance(v, (int, float, np.floating)) and math.isfinite(v)


def feature_names(means: list[dict]) -> tuple[str, ...]:
    """The kinematic features, then the DDK measures when the rows have them (a speech task with
    sound; analysis/ddk.py)."""
    ddk = tuple(f for f in DDK_NAMES if any(_finite(m.get(f)) for m in means))
    return tuple(FEATURE_NAMES) + ddk


def tasks_of(rows: list[dict]) -> list[str]:
    return sorted({r["task"] for r in rows})


def space_of(row: dict) -> str:
    return row.get("space", SPACE_3D)


def participant_means(rows: list[dict], task: str, control: str = CONTROL) -> list[dict]:
    """One dict per participant with repetitions of ``task``: participant, group, repetitions, space
    ("3d_mm" or "2d_iod"; a participant measured in both keeps the space of most repetitions) and
    the mean of every feature over them (NaN repetitions ignored; NaN when all are). Controls first."""
    by: dict[str, list[dict]] = {}
    for r in rows:
        if r["task"] == task:
            by.setdefault(r["participant"], []).append(r)
    out = []
    for pid, reps in by.items():
        spaces = [space_of(r) for r in reps]
        space = max(sorted(set(spaces)), key=spaces.count)
        reps = [r for r in reps if space_of(r) == space]  # never average mm with interocular units
        means = {"space": space}
        for f in feature_names(reps):
            v = np.array([r.get(f, math.nan) for r in reps], np.float64)
            means[f] = float(np.mean(v[np.isfinite(v)])) if np.isfinite(v).any() else float("nan")
        out.append({"participant": pid, "group": reps[0]["group"], "repetitions": len(reps), **means})
    return sorted(out, key=lambda d: (d["group"] != control, d["group"], d["participant"]))


def control_stats(means: list[dict], space: str | None = None, control: str = CONTROL,
                  features: tuple[str, ...] | None = None) -> dict[str, tuple[float, float, int]]:
    """Per feature: (mean, sample SD, n) of the ``control`` participants' means measured in ``space``
    (default: the first participant's); mean and SD are NaN under 2 controls with a value."""
    space = space or (space_of(means[0]) if means else SPACE_3D)
    out = {}
    for f in features or feature_names(means):
        v = np.array([m.get(f, math.nan) for m in means if m["group"] == control and space_of(m) == space],
                     np.float64)
        v = v[np.isfinite(v)]
        out[f] = (float(v.mean()), float(v.std(ddof=1)), len(v)) if len(v) >= 2 else (float("nan"),) * 2 + (len(v),)
    return out


def z_against(value: float, stats: tuple[float, float, int], control: str = CONTROL) -> float:
    """``value``'s z against (mean, SD, n) from :func:`control_stats`; NaN without a value, with
    controls that do not vary, or with too few of them (:func:`z_sample_of`)."""
    mu, sd, n = stats
    ok = math.isfinite(value) and math.isfinite(sd) and sd > 0 and z_sample(n, control).ok
    return (value - mu) / sd if ok else float("nan")


def control_z_scores(means: list[dict], control: str = CONTROL) -> list[dict[str, float]]:
    """Per participant (same order as ``means``): {feature: z against the controls measured in the
    same space} (NaN if none, or with fewer controls than the minimum: :func:`z_sample_of`)."""
    stats = {s: control_stats(means, s, control) for s in {space_of(m) for m in means}}
    return [{f: z_against(m.get(f, math.nan), stats[space_of(m)][f], control) for f in feature_names(means)}
            for m in means]


def z_sample_of(n_controls: int, control: str = CONTROL) -> SampleSize:
    """Whether a z against ``n_controls`` controls may be shown (analysis/sample_size.py)."""
    return z_sample(n_controls, control)


def controls_in_space(means: list[dict], space: str, control: str = CONTROL) -> int:
    """Control participants measured in ``space`` (the n behind the z-scores of that space)."""
    return sum(m["group"] == control and space_of(m) == space for m in means)
