"""The dependency-free SVG line plot used by reports and `experiment learning-curve --plot`."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from neuroface_studio.reporting.svg_plot import line_plot, nice_ticks, write_svg


def test_nice_ticks_cover_the_range():
    t = nice_ticks(0.37, 8.2)
    assert t[0] <= 0.37 and t[-1] >= 8.2 and len(t) <= 8 and t == sorted(t)
    assert nice_ticks(5.0, 5.0)[-1] > 5.0


def test_plot_is_valid_svg_with_lines_markers_legend_and_gaps(tmp_path):
    svg = line_plot({"a": ([1, 2, 5, 10], [7.0, 6.1, float("nan"), 5.2]), "b & c": ([1, 10], [7.5, 7.5])},
                    "Learning curve", "participants", "NRMSE %")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}polyline")) == 2  # a's NaN breaks its line into [1,2] and [10] (one point)
    assert len(root.findall(f"{ns}circle")) == 5
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "Learning curve" in texts and "b & c" in texts and "NRMSE %" in texts
    write_svg(tmp_path / "p.svg", svg)
    assert (tmp_path / "p.svg").read_text().startswith("<svg")
    with pytest.raises(ValueError, match="nothing to plot"):
        line_plot({"a": ([], [])})
