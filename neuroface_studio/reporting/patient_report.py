"""Per-patient assessment report: PDF (reportlab, vector figures) and HTML (inline SVG).

:class:`PatientReport` holds what the report shows, assembled by ``app/report.py`` from a
project; this module only lays it out. No face image is ever included (the report shows
numbers and traces only). Page size A4 or Letter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from neuroface_studio.analysis.sample_size import MIN_CONTROLS_FOR_Z, MIN_PER_GROUP_FOR_CLASSIFIER, NOT_ENOUGH, ci_text
from neuroface_studio.analysis.take_quality import LEVEL_WORDS

Z_AMBER, Z_RED = 1.0, 2.0
TRACE_MM = 46  # height of a task's trace plot: two task sections fit on an A4 or a Letter page


@dataclass
class FeatureLine:
    name: str
    unit: str
    value: float
    ref_mean: float  # control group
    ref_sd: float
    z: float  # NaN when not shown: too few controls (``note`` says so) or none computable
    n_ref: int = 0  # control participants behind ref_mean and ref_sd
    note: str = ""  # why there is no z: "not enough participants (n=2 HC controls; at least 5 needed)"


@dataclass
class ClassifierLine:
    """The participant's leave-one-subject-out probability on one task and contrast."""

    task: str
    control: str
    patient: str
    probability: float  # of the patient group, participant held out
    auc: float  # of the classifier over all participants of the contrast
    ci95: tuple[float, float]
    n_participants: int
    n_control: int = 0  # participants of the control group in the classifier
    n_patient: int = 0
    ci_estimable: bool = True  # False: printed "CI not estimable (n=...)", never as a point

    @property
    def n_text(self) -> str:
        return f"n={self.n_control} {self.control}, {self.n_patient} {self.patient}"


@dataclass
class TaskSection:
    task: str
    task_name: str
    trace_name: str
    time_s: list[float] = field(default_factory=list)
    trace: list[float] = field(default_factory=list)  # NaN for missing
    repetitions_s: list[tuple[float, float]] = field(default_factory=list)
    features: list[FeatureLine] = field(default_factory=list)
    probability: float | None = None  # classifier probability of the patient group, when one exists
    session: str = ""  # the session (id, date) of this recording


#: cell fill of the recording quality gate's levels (analysis/take_quality.py); green stays unfilled
QUALITY_FILL = {"amber": "#fbe7b0", "red": "#f6c6c6"}


def quality_word(row: dict) -> str:
    """A protocol row's quality: "good", "check", "retake", or "–" when nothing is known of its capture."""
    q = row.get("quality")
    return LEVEL_WORDS.get(q["level"], "–") if q else "–"


def quality_notes(report: "PatientReport") -> list[str]:
    """One sentence per amber or red recording: which, and why."""
    out = []
    for r in report.protocol_rows:
        q = r.get("quality")
        if q and q["level"] != "green" and q.get("reasons"):
            out.append(f"{r.get('recording') or r['task']}: {quality_word(r)}, {'; '.join(q['reasons'])}.")
    return out


@dataclass
class PatientReport:
    project: str
    participant: str
    group: str
    sessions: list[tuple[str, str]]  # (session id, date)
    protocol_rows: list[dict]  # session, task, frames, seconds, repetitions, frontal, dropped, quality (verdict dict)
    landmarks: str  # which model / source, with version
    reference: str  # the control group used for z-scores
    tasks: list[TaskSection] = field(default_factory=list)
    symmetry: list[tuple[str, float, float]] = field(default_factory=list)  # (task, corner, brow)
    over_time: dict[str, list[tuple[str, float]]] = field(default_factory=dict)  # "TASK feature" -> [(date, v)]
    generated: str = ""
    software: str = ""
    consent_to_share: bool = False
    classifiers: list[ClassifierLine] = field(default_factory=list)
    classifier_note: str = ""  # why (some) classifiers could not be built


def classifier_rows(report: PatientReport) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the classifier table (numbers formatted once, for PDF and HTML alike)."""
    rows = [[c.task, f"{c.control} vs {c.patient}", f"{c.probability:.2f}", f"{c.auc:.2f}",
             ci_text(c.ci95 if c.ci_estimable else None, c.n_text),
             f"{c.n_control} {c.control} / {c.n_patient} {c.patient}"] for c in report.classifiers]
    return ["Task", "Contrast", "Probability of patient group", "Classifier AUC", "AUC 95% CI", "Participants"], rows


def feature_label(name: str) -> str:
    """A feature's printed name: "range of motion"; the DDK measures by their labels (analysis/ddk.py)."""
    from neuroface_studio.analysis.ddk import DDK_LABELS
    return DDK_LABELS.get(name, name.replace("_", " "))


def z_cell(f: FeatureLine) -> str:
    """The z column's text: the z, "not enough participants" (the section's note says the n), or "–"."""
    return NOT_ENOUGH if f.note else _fmt(f.z, 2)


def reference_cell(f: FeatureLine) -> str:
    """"12.3 ± 4.5 (n=5)": the controls' mean and SD with the number of control participants."""
    return f"{_fmt(f.ref_mean)} ± {_fmt(f.ref_sd)} (n={f.n_ref})"


def z_notes(features: list[FeatureLine]) -> list[str]:
    """Each distinct reason a z is not shown, once, as a sentence under the features table."""
    return [f"z not shown: {note}." for note in dict.fromkeys(f.note for f in features if f.note)]


CLASSIFIER_CAPTION = ("Random forest on the repetition features, leave-one-subject-out: the probability is this "
                      "participant's, from a classifier trained without any of their recordings (all sessions); the "
                      "AUC is that classifier's over every participant of the contrast. A classifier is shown only "
                      f"with at least {MIN_PER_GROUP_FOR_CLASSIFIER} participants in each group.")


def consent_line(report: PatientReport) -> str:
    return ("The participant consented to sharing." if report.consent_to_share else
            "The participant has NOT consented to sharing: keep this report inside the lab.")


def _fmt(v: float | None, digits: int = 3) -> str:
    if v is None or not math.isfinite(v):
        return "–"
    return f"{v:.{digits}g}"


OVER_TIME_CAPTION = ("Mean over the repetitions of each session's recording; change = last session minus first "
                     "(range of motion in mm, peak opening velocity in mm/s; SPARC: less negative is smoother).")


def over_time_rows(report: PatientReport) -> tuple[list[str], list[list[str]]]:
    """Header ("Measure", dates..., "Change") and one row per measure."""
    dates = sorted({d for vals in report.over_time.values() for d, _ in vals})
    rows = []
    for name, vals in report.over_time.items():
        by = dict(vals)
        first, last = by.get(dates[0]), by.get(dates[-1])
        change = last - first if first is not None and last is not None else None
        rows.append([name.replace("_", " "), *[_fmt(by.get(d)) for d in dates],
                     "–" if change is None or not math.isfinite(change) else f"{change:+.3g}"])
    return ["Measure", *dates, "Change"], rows


# ------------------------------------------------------------------------------------ PDF
def render_pdf(report: PatientReport, path: Path, pagesize: str = "A4") -> Path:
    from reportlab.graphics.charts.lineplots import LinePlot
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib import colors
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

    from neuroface_studio.reporting.pdf_doc import page_size, write_pdf
    size = page_size(pagesize)
    styles = getSampleStyleSheet()
    body, h1, h2 = styles["BodyText"], styles["Title"], styles["Heading2"]
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    width = size[0] - 36 * mm

    def table(rows, widths=None, zcol=None, zvalues=None):
        t = Table(rows, colWidths=widths, repeatRows=1)
        style = [("FONTSIZE", (0, 0), (-1, -1), 8), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                 ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0b8c0")),
                 ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                 ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
        for r, z in enumerate(zvalues or [], start=1):
            if z is not None and math.isfinite(z) and abs(z) > Z_AMBER:
                colour = "#f6c6c6" if abs(z) > Z_RED else "#fbe7b0"
                style.append(("BACKGROUND", (zcol, r), (zcol, r), colors.HexColor(colour)))
        t.setStyle(TableStyle(style))
        return t

    def trace_plot(sec: TaskSection):
        d = Drawing(width, TRACE_MM * mm)
        pts = [(t, v) for t, v in zip(sec.time_s, sec.trace) if v is not None and math.isfinite(v)]
        if len(pts) < 2:
            d.add(String(10, 60, "no trace (no landmarks for this recording)", fontSize=9))
            return d
        lp = LinePlot()
        lp.x, lp.y, lp.width, lp.height = 40, 22, width - 55, TRACE_MM * mm - 35
        lo = min(v for _, v in pts)
        hi = max(v for _, v in pts)
        t_end = max(t for t, _ in pts)
        for s, e in sec.repetitions_s:  # repetitions shaded under the line
            x0 = lp.x + s / t_end * lp.width
            x1 = lp.x + min(e, t_end) / t_end * lp.width
            d.add(Rect(x0, lp.y, max(x1 - x0, 0.5), lp.height, fillColor=colors.HexColor("#dde8f7"),
                       strokeColor=None))
        runs, run = [], []
        for t, v in zip(sec.time_s, sec.trace):
            if v is None or not math.isfinite(v):
                if len(run) > 1:
                    runs.append(run)
                run = []
            else:
                run.append((t, v))
        if len(run) > 1:
            runs.append(run)
        lp.data = runs
        for k in range(len(runs)):
            lp.lines[k].strokeColor = colors.HexColor("#1f5fa8")
            lp.lines[k].strokeWidth = 1.2
        lp.xValueAxis.valueMin, lp.xValueAxis.valueMax = 0, t_end
        lp.yValueAxis.valueMin, lp.yValueAxis.valueMax = lo - 0.05 * (hi - lo or 1), hi + 0.05 * (hi - lo or 1)
        lp.xValueAxis.labels.fontSize = lp.yValueAxis.labels.fontSize = 7
        lp.yValueAxis.labelTextFormat = "%.2f"
        d.add(lp)
        d.add(String(lp.x + lp.width / 2, 3, "time (s); shaded: repetitions", fontSize=7, textAnchor="middle"))
        d.add(String(2, lp.y + lp.height + 6, f"{sec.trace_name} (interocular units)", fontSize=7))
        return d

    story = [Paragraph("Orofacial assessment report", h1),
             Paragraph(f"Participant <b>{escape(report.participant)}</b> (pseudonym) · group {escape(report.group)} · "
                       f"project {escape(report.project)}", body),
             Paragraph("Sessions: " + ", ".join(f"{escape(s)} ({escape(d)})" for s, d in report.sessions), body),
             Paragraph(f"Landmarks: {escape(report.landmarks)}. Reference: {escape(report.reference)}.", small),
             Spacer(1, 4 * mm), Paragraph("Protocol completed", h2)]
    rows = [["Session", "Task", "Frames", "Seconds", "Repetitions", "Frontal frames", "Dropped", "Quality"]]
    rows += [[r["session"], r["task"], r["frames"], f"{r['seconds']:.1f}", r["repetitions"],
              "–" if r["frontal"] is None else f"{100 * r['frontal']:.0f}%", r["dropped"], quality_word(r)]
             for r in report.protocol_rows]
    protocol_table = table(rows)
    protocol_table.setStyle(TableStyle([("BACKGROUND", (7, k), (7, k), colors.HexColor(QUALITY_FILL[q["level"]]))
                                        for k, q in enumerate((r.get("quality") for r in report.protocol_rows), 1)
                                        if q and q["level"] in QUALITY_FILL]))
    story.append(protocol_table)
    notes = quality_notes(report)
    if notes:
        story.append(Paragraph("Recording quality: " + " ".join(escape(n) for n in notes), small))
    if report.classifiers or report.classifier_note:
        block = [Paragraph("Classifier probabilities", h2)]
        if report.classifiers:
            header, crows = classifier_rows(report)
            cell = small.clone("cell", fontSize=8, leading=9.5)  # wrapped: "CI not estimable (n=...)" is long
            grid = [[Paragraph(escape(v), cell) for v in r] for r in [header] + crows]
            block += [table(grid, [width * w for w in (0.1, 0.15, 0.2, 0.15, 0.22, 0.18)]),
                      Paragraph(CLASSIFIER_CAPTION, small)]
        if report.classifier_note:
            block.append(Paragraph(escape(report.classifier_note), small))
        story.append(KeepTogether(block))
    for sec in report.tasks:
        title = f"{escape(sec.task)} — {escape(sec.task_name)}" + (f" · {escape(sec.session)}" if sec.session else "")
        block = [Paragraph(title, h2), trace_plot(sec)]
        frows = [["Feature", "Value", "Controls mean ± SD (n)", "z"]]
        frows += [[f"{feature_label(f.name)} ({f.unit})", _fmt(f.value), reference_cell(f), z_cell(f)]
                  for f in sec.features]
        block.append(table(frows, [width * 0.36, width * 0.13, width * 0.27, width * 0.24], 3,
                           [f.z for f in sec.features]))
        block += [Paragraph(escape(note), small) for note in z_notes(sec.features)]
        story.append(KeepTogether(block))
    if report.symmetry:
        story.append(KeepTogether([Paragraph("Symmetry (0 = symmetric)", h2), table(
            [["Task", "Mouth corners", "Brows"]] + [[t, _fmt(c, 2), _fmt(b, 2)] for t, c, b in report.symmetry])]))
    if report.over_time:
        header, trows = over_time_rows(report)
        story.append(KeepTogether([Paragraph("Change over time", h2), table([header] + trows),
                                   Paragraph(OVER_TIME_CAPTION, small)]))
    story += [Spacer(1, 6 * mm), Paragraph(
        f"z-scores against the control group: |z| &gt; {Z_AMBER:g} amber, &gt; {Z_RED:g} red; shown only with at least "
        f"{MIN_CONTROLS_FOR_Z} control participants. Generated {escape(report.generated)} "
        f"by {escape(report.software)}. {consent_line(report)} Research use only; not a diagnosis.", small)]
    return write_pdf(story, path, size, f"Assessment {report.participant}")


# ----------------------------------------------------------------------------------- HTML
def render_html(report: PatientReport) -> str:
    from neuroface_studio.reporting.svg_plot import line_plot

    def zcell(f: FeatureLine) -> str:
        z = f.z
        if f.note or z is None or not math.isfinite(z) or abs(z) <= Z_AMBER:
            return f"<td>{escape(z_cell(f))}</td>"
        return f"<td style='background:{'#f6c6c6' if abs(z) > Z_RED else '#fbe7b0'}'>{_fmt(z, 2)}</td>"

    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Assessment {escape(report.participant)}</title>"
             "<style>body{font-family:sans-serif;max-width:900px;margin:2em auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #bbb;padding:2px 6px;font-size:13px}</style></head><body>",
             f"<h1>Orofacial assessment report</h1><p>Participant <b>{escape(report.participant)}</b> (pseudonym), "
             f"group {escape(report.group)}, project {escape(report.project)}</p>",
             f"<p>Landmarks: {escape(report.landmarks)}. Reference: {escape(report.reference)}.</p><h2>Protocol</h2>"
             "<table><tr><th>Session</th><th>Task</th><th>Frames</th><th>Repetitions</th><th>Frontal</th>"
             "<th>Quality</th></tr>"]
    for r in report.protocol_rows:
        frontal = "–" if r["frontal"] is None else f"{100 * r['frontal']:.0f}%"
        q = r.get("quality")
        fill = f" style='background:{QUALITY_FILL[q['level']]}'" if q and q["level"] in QUALITY_FILL else ""
        parts.append(f"<tr><td>{escape(r['session'])}</td><td>{escape(r['task'])}</td><td>{r['frames']}</td>"
                     f"<td>{r['repetitions']}</td><td>{frontal}</td><td{fill}>{escape(quality_word(r))}</td></tr>")
    parts.append("</table>")
    notes = quality_notes(report)
    if notes:
        parts.append("<p><small>Recording quality: " + " ".join(escape(n) for n in notes) + "</small></p>")
    if report.classifiers or report.classifier_note:
        parts.append("<h2>Classifier probabilities</h2>")
        if report.classifiers:
            header, crows = classifier_rows(report)
            parts.append("<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr>"
                         + "".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in r) + "</tr>" for r in crows)
                         + f"</table><p><small>{escape(CLASSIFIER_CAPTION)}</small></p>")
        if report.classifier_note:
            parts.append(f"<p><small>{escape(report.classifier_note)}</small></p>")
    for sec in report.tasks:
        parts.append(f"<h2>{escape(sec.task)} — {escape(sec.task_name)}"
                     + (f" · {escape(sec.session)}" if sec.session else "") + "</h2>")
        try:
            parts.append(line_plot({sec.trace_name: (sec.time_s, sec.trace)}, "", "time (s)", sec.trace_name,
                                   markers=False))
        except ValueError:
            parts.append("<p>No trace (no landmarks for this recording).</p>")
        parts.append("<table><tr><th>Feature</th><th>Value</th><th>Controls mean ± SD (n)</th><th>z</th></tr>")
        parts += [f"<tr><td>{escape(feature_label(f.name))} ({escape(f.unit)})</td><td>{_fmt(f.value)}</td>"
                  f"<td>{escape(reference_cell(f))}</td>{zcell(f)}</tr>" for f in sec.features]
        parts.append("</table>")
        parts += [f"<p><small>{escape(note)}</small></p>" for note in z_notes(sec.features)]
    if report.over_time:
        header, trows = over_time_rows(report)
        parts.append("<h2>Change over time</h2><table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in header)
                     + "</tr>" + "".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in r) + "</tr>" for r in trows)
                     + f"</table><p><small>{escape(OVER_TIME_CAPTION)}</small></p>")
    parts.append(f"<p><small>z-scores are shown only with at least {MIN_CONTROLS_FOR_Z} control participants. "
                 f"Generated {escape(report.generated)} by {escape(report.software)}. "
                 f"{consent_line(report)} Research use only.</small>"
                 "</p></body></html>")
    return "\n".join(parts)
