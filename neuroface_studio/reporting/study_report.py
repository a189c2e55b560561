"""Study summary report: PDF (reportlab, vector figures) and HTML (inline SVG).

:class:`StudyReport` holds what the report shows, assembled by ``app/study_report.py`` from a
project; this module only lays it out: the cohort, landmark accuracy (per-group NRMSE table and
CED curves per group, one line per model), patient-vs-control ROC curves per task with AUC and
95% CI, and a methods paragraph written from the settings actually used. Every number shown is
one of the report's fields, formatted here and nowhere else (:func:`pct`, :func:`auc_text`),
so a test can compare the PDF's text with the computed values. No face image, ever.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from neuroface_studio.analysis.sample_size import (
    MIN_PER_GROUP_FOR_CLASSIFIER, SampleSize, ci_text, classifier_sample,
)
from neuroface_studio.analysis.sample_size import auc_text as sample_auc_text


@dataclass
class CohortRow:
    group: str
    participants: int
    sessions: int
    recordings: int
    repetitions: int
    consented: int  # participants who consented to sharing


@dataclass
class NrmseRow:
    model: str
    group: str  # "all" or a group
    mean: float  # fraction (0.05 = 5 %)
    sd: float
    n: int
    missing: int = 0
    median: float = float("nan")


@dataclass
class CedCurve:
    group: str
    model: str
    x: list[float]  # NRMSE thresholds (fraction)
    y: list[float]  # share of frames at or below


@dataclass
class RocCurve:
    task: str
    control: str
    patient: str
    fpr: list[float]
    tpr: list[float]
    auc: float
    ci95: tuple[float, float]
    n_control: int
    n_patient: int
    n_repetitions: int
    ci_estimable: bool = True  # False: no usable bootstrap resample, or a zero-width interval

    @property
    def contrast(self) -> str:
        return f"{self.control} vs {self.patient}"

    @property
    def sample(self) -> SampleSize:
        return classifier_sample({self.control: self.n_control, self.patient: self.n_patient})


@dataclass
class StudyReport:
    project: str
    groups: list[str]
    cohort: list[CohortRow] = field(default_factory=list)
    recordings_per_task: dict[str, dict[str, int]] = field(default_factory=dict)  # task -> group -> n
    nrmse_rows: list[NrmseRow] = field(default_factory=list)
    nrmse_data: str = ""  # which frames, which ground truth, which predictions
    nrmse_label: str = ""  # the definition: analysis.evaluation.describe()
    nrmse_note: str = ""  # why there is no NRMSE table, when there is none
    nrmse_comparisons: list[str] = field(default_factory=list)  # paired tests, one line each
    ced: list[CedCurve] = field(default_factory=list)
    roc: list[RocCurve] = field(default_factory=list)
    roc_skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (task, contrast, why)
    methods: str = ""
    skipped_recordings: dict[str, str] = field(default_factory=dict)
    generated: str = ""
    software: str = ""
    normalizer: str = ""
    subset: str = ""


ROC_MINIMUM = (f"A classifier is shown only with at least {MIN_PER_GROUP_FOR_CLASSIFIER} participants in each group; "
               "n = participants per group (control / patient).")


def pct(v: float | None) -> str:
    """A fraction as a percentage with two decimals ("5.12"), "–" when missing."""
    return "–" if v is None or not math.isfinite(v) else f"{100 * v:.2f}"


def auc_text(v: float | None) -> str:
    return "–" if v is None or not math.isfinite(v) else f"{v:.2f}"


def nrmse_table(report: StudyReport) -> tuple[list[str], list[list[str]]]:
    """Header and rows: model x ("all", groups...), cells "mean ± SD (n)" in %."""
    groups = ["all"] + [g for g in report.groups if any(r.group == g for r in report.nrmse_rows)]
    by = {(r.model, r.group): r for r in report.nrmse_rows}
    models = list(dict.fromkeys(r.model for r in report.nrmse_rows))
    rows = []
    for m in models:
        cells = []
        for g in groups:
            r = by.get((m, g))
            cells.append("–" if r is None else f"{pct(r.mean)} ± {pct(r.sd)} ({r.n})")
        missing = by[(m, "all")].missing if (m, "all") in by else 0
        rows.append([m, *cells, str(missing)])
    return ["Model", *groups, "Missing"], rows


def roc_ci_text(r: RocCurve) -> str:
    """"0.62–0.91", or "CI not estimable (n=5 HC, 5 ALS)" (never a point printed as an interval)."""
    return ci_text(r.ci95 if r.ci_estimable else None, r.sample.n_text)


def roc_auc_text(r: RocCurve) -> str:
    """"AUC 0.83 (95% CI 0.62–0.97; n=5 HC, 5 ALS)" (analysis/sample_size.py)."""
    return sample_auc_text(r.auc, r.ci95 if r.ci_estimable else None, r.sample)


def roc_table(report: StudyReport) -> tuple[list[str], list[list[str]]]:
    rows = [[r.task, r.contrast, f"{r.n_control} {r.control} / {r.n_patient} {r.patient}", str(r.n_repetitions),
             auc_text(r.auc), roc_ci_text(r)] for r in report.roc]
    return ["Task", "Contrast", "Participants", "Repetitions", "AUC", "95% CI"], rows


def cohort_table(report: StudyReport) -> tuple[list[str], list[list[str]]]:
    rows = [[c.group, str(c.participants), str(c.sessions), str(c.recordings), str(c.repetitions),
             str(c.consented)] for c in report.cohort]
    if len(report.cohort) > 1:
        tot = [sum(getattr(c, k) for c in report.cohort) for k in
               ("participants", "sessions", "recordings", "repetitions", "consented")]
        rows.append(["Total", *map(str, tot)])
    return ["Group", "Participants", "Sessions", "Recordings", "Repetitions", "Consented to sharing"], rows


def task_table(report: StudyReport) -> tuple[list[str], list[list[str]]]:
    rows = [[t, *[str(by.get(g, 0)) for g in report.groups]] for t, by in report.recordings_per_task.items()]
    return ["Task", *report.groups], rows


def ced_groups(report: StudyReport) -> list[str]:
    return list(dict.fromkeys(c.group for c in report.ced))


def _ced_series(report: StudyReport, group: str) -> dict:
    return {c.model: ([100 * x for x in c.x], c.y) for c in report.ced if c.group == group}


def _roc_series(report: StudyReport, task: str) -> dict:
    return {f"{r.contrast} (AUC {auc_text(r.auc)}; n={r.n_control}/{r.n_patient})": (r.fpr, r.tpr)
            for r in report.roc if r.task == task}


def roc_tasks(report: StudyReport) -> list[str]:
    return list(dict.fromkeys(r.task for r in report.roc))


def footer(report: StudyReport) -> str:
    return (f"Generated {report.generated} by {report.software}. Participants are identified by pseudonym only; "
            "no face image is included. Research use only; not a diagnosis.")


# ------------------------------------------------------------------------------------ PDF
def render_pdf(report: StudyReport, path: Path, pagesize: str = "A4") -> Path:
    from reportlab.lib import colors
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

    from neuroface_studio.reporting.pdf_doc import page_size, write_pdf
    from neuroface_studio.reporting.pdf_plot import line_chart

    size = page_size(pagesize)
    styles = getSampleStyleSheet()
    body, h1 = styles["BodyText"], styles["Title"]
    h2 = styles["Heading2"].clone("h2keep", keepWithNext=1)  # never a heading alone at a page's foot
    small = body.clone("small", fontSize=8, leading=10)
    cell = body.clone("cell", fontSize=7.5, leading=9)
    width = size[0] - 36 * mm

    def table(header, rows, widths=None):
        data = [[Paragraph(f"<b>{escape(h)}</b>", cell) for h in header]]
        data += [[Paragraph(escape(str(v)), cell) for v in row] for row in rows]
        t = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        t.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                               ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0b8c0")),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        return t

    def even(n_cols: int, first: float = 0.0):
        if not first:
            return [width / n_cols] * n_cols
        return [width * first] + [width * (1 - first) / (n_cols - 1)] * (n_cols - 1)

    story = [Paragraph("Study summary", h1),
             Paragraph(f"Project <b>{escape(report.project)}</b> · groups {escape(', '.join(report.groups))}", body),
             Spacer(1, 3 * mm), Paragraph("Cohort", h2)]
    header, rows = cohort_table(report)
    story.append(table(header, rows, even(len(header))))
    if report.recordings_per_task:
        header, rows = task_table(report)
        story += [Spacer(1, 2 * mm), Paragraph("Recordings per task and group", small),
                  table(header, rows, even(len(header)) if len(header) > 4 else None)]
    story.append(Paragraph("Landmark accuracy (NRMSE)", h2))
    if report.nrmse_rows:
        story.append(Paragraph(
            f"NRMSE in % of the {escape(report.normalizer)} distance, landmarks: {escape(report.subset)}; "
            f"per-image RMS point error, mean ± SD (frames) per group. Frames: {escape(report.nrmse_data)}.", small))
        header, rows = nrmse_table(report)
        story.append(table(header, rows, even(len(header), 0.22)))
        story += [Paragraph(escape(line), small) for line in report.nrmse_comparisons]
        groups = ced_groups(report)
        per_row = 2 if len(groups) > 1 else 1
        cw = width / per_row
        charts = [line_chart(_ced_series(report, g), cw - 4, 58 * mm, f"CED, {g}", "NRMSE (%)",
                             "share of frames", y_range=(0, 1), legend_width=min(120, cw * 0.35))
                  for g in groups]
        for k in range(0, len(charts), per_row):
            chunk = charts[k:k + per_row]
            grid = Table([chunk + [""] * (per_row - len(chunk))], colWidths=[cw] * per_row)
            grid.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
            story.append(grid)
    else:
        story.append(Paragraph(escape(report.nrmse_note), body))
    story.append(Paragraph("Patient vs control classification (LOSO ROC)", h2))
    if report.roc:
        header, rows = roc_table(report)
        story.append(table(header, rows, [width * w for w in (0.14, 0.2, 0.18, 0.16, 0.12, 0.2)]))
        for task in roc_tasks(report):
            story.append(KeepTogether([line_chart(_roc_series(report, task), width * 0.75, 62 * mm, f"ROC, {task}",
                                                  "false positive rate", "true positive rate", x_range=(0, 1),
                                                  y_range=(0, 1), diagonal=True, legend_width=140,
                                                  markers=True, legend=True)]))
    else:
        story.append(Paragraph("No classifier could be built.", body))
    for task, contrast, why in report.roc_skipped:
        story.append(Paragraph(f"{escape(task)}, {escape(contrast)}: not computed: {escape(why)}.", small))
    story.append(Paragraph(escape(ROC_MINIMUM), small))
    story += [Paragraph("Methods", h2), Paragraph(escape(report.methods), body)]
    if report.skipped_recordings:
        story.append(Paragraph("Recordings left out of the features: " + "; ".join(
            f"{escape(r)} ({escape(w)})" for r, w in report.skipped_recordings.items()), small))
    story += [Spacer(1, 5 * mm), Paragraph(escape(footer(report)), small)]
    return write_pdf(story, path, size, f"Study summary {report.project}")


# ----------------------------------------------------------------------------------- HTML
def _html_table(header, rows) -> str:
    out = ["<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr>"]
    out += ["<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in rows]
    return "\n".join(out) + "</table>"


def render_html(report: StudyReport) -> str:
    from neuroface_studio.reporting.svg_plot import line_plot
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Study summary {escape(report.project)}</title>"
             "<style>body{font-family:sans-serif;max-width:900px;margin:2em auto}table{border-collapse:collapse;"
             "margin:0.5em 0}td,th{border:1px solid #bbb;padding:2px 6px;font-size:13px}"
             "svg{max-width:100%;height:auto}</style></head><body>",
             f"<h1>Study summary</h1><p>Project <b>{escape(report.project)}</b>, groups "
             f"{escape(', '.join(report.groups))}</p><h2>Cohort</h2>", _html_table(*cohort_table(report))]
    if report.recordings_per_task:
        parts += ["<p>Recordings per task and group</p>", _html_table(*task_table(report))]
    parts.append("<h2>Landmark accuracy (NRMSE)</h2>")
    if report.nrmse_rows:
        parts.append(f"<p>NRMSE in % of the {escape(report.normalizer)} distance, landmarks: "
                     f"{escape(report.subset)}; per-image RMS point error, mean ± SD (frames) per group. "
                     f"Frames: {escape(report.nrmse_data)}.</p>")
        parts.append(_html_table(*nrmse_table(report)))
        parts += [f"<p>{escape(line)}</p>" for line in report.nrmse_comparisons]
        for g in ced_groups(report):
            parts.append(line_plot(_ced_series(report, g), f"CED, {g}", "NRMSE (%)", "share of frames",
                                   width=560, height=320, markers=False))
    else:
        parts.append(f"<p>{escape(report.nrmse_note)}</p>")
    parts.append("<h2>Patient vs control classification (LOSO ROC)</h2>")
    if report.roc:
        parts.append(_html_table(*roc_table(report)))
        for task in roc_tasks(report):
            series = {**_roc_series(report, task), "chance": ([0, 1], [0, 1])}
            parts.append(line_plot(series, f"ROC, {task}", "false positive rate", "true positive rate",
                                   width=620, height=360, markers=True))
    else:
        parts.append("<p>No classifier could be built.</p>")
    parts += [f"<p><small>{escape(t)}, {escape(c)}: not computed: {escape(w)}.</small></p>"
              for t, c, w in report.roc_skipped]
    parts.append(f"<p><small>{escape(ROC_MINIMUM)}</small></p>")
    parts += ["<h2>Methods</h2>", f"<p>{escape(report.methods)}</p>"]
    if report.skipped_recordings:
        parts.append("<p><small>Recordings left out of the features: " + "; ".join(
            f"{escape(r)} ({escape(w)})" for r, w in report.skipped_recordings.items()) + "</small></p>")
    parts.append(f"<p><small>{escape(footer(report))}</small></p></body></html>")
    return "\n".join(parts)
