"""Render a Comparison as an aligned text table, Markdown or JSON."""
from __future__ import annotations

import json
import math
from typing import List, Optional

from lab.analysis.compare import ALPHA, MIN_REPETITIONS, Comparison, Row, Side
from lab.base.table import format_table

HEADERS = ("point", "metric", "A", "B", "B/A", "shift B/A [95% CI]", "p (U test)", "n A/B", "flags")
NUMERIC = range(2, 8)


def fmt_value(value: Optional[float]) -> str:
    """Three significant digits with an SI suffix (1.23M, 456k, 0.65)."""
    if value is None or not math.isfinite(value):
        return "-"
    for factor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.3g}{suffix}"
    return f"{value:.3g}"


def fmt_ratio(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:.3f}"


def flags(row: Row) -> List[str]:
    out = []
    if row.below_resolution:
        out.append(f"≈ (below the {fmt_value(row.resolution)} ns resolution)")
    if row.significant:
        out.append(f"SIGNIFICANT ({row.better.upper()} better)" if row.better else "SIGNIFICANT")
    if row.n_too_small:
        out.append("n too small to test")
    elif row.few_repetitions:
        out.append(f"few repetitions (<{MIN_REPETITIONS})")
    for name, s in (("A", row.a), ("B", row.b)):
        if s.split is not None:
            out.append(f"bimodal {name}")
        if s.point.noise:
            out.append(f"noisy {name}")
    return out


def shift_cell(row: Row, ratio_fmt=fmt_ratio) -> str:
    """The Hodges-Lehmann shift and its CI (n too small below 4 a side)."""
    s = row.shift
    if s is None:
        return "n too small"
    return f"{ratio_fmt(s.estimate)} [{ratio_fmt(s.low)}-{ratio_fmt(s.high)}]"


def cells(row: Row, ratio_fmt=fmt_ratio) -> List[str]:
    ci = shift_cell(row, ratio_fmt)
    return [row.point, f"{row.metric.name} ({row.metric.unit})", fmt_value(row.a.summary.median),
            fmt_value(row.b.summary.median), "≈" if row.below_resolution else ratio_fmt(row.ratio), ci,
            "n too small" if row.p_value is None else f"{row.p_value:.4f}",
            f"{row.a.summary.n}/{row.b.summary.n}", ", ".join(flags(row))]


def bimodal_lines(c: Comparison) -> List[str]:
    """Each bimodal side's repetitions with their placement labels."""
    lines = []
    for row in c.rows:
        for name, s in (("A", row.a), ("B", row.b)):
            detail = s.bimodal_detail()
            if detail is None:
                continue
            lines.append(f"bimodal {name}: {row.point} ({row.metric.name}: clusters at "
                         f"{fmt_value(detail['low_center'])} and {fmt_value(detail['high_center'])})")
            for rep in detail["repetitions"]:
                lines.append(f"  rep {rep['index']}: {fmt_value(rep['value'])} [{rep['cluster']}] {rep['label']}")
    return lines


def header_lines(c: Comparison) -> List[str]:
    significant = sum(r.significant for r in c.rows)
    few = sum(r.few_repetitions for r in c.rows)
    untestable = sum(r.n_too_small for r in c.rows)
    lines = [f"A: {c.label_a}", f"B: {c.label_b}",
             f"{len(c.rows)} points compared, {significant} significant (Mann-Whitney U, exact for small n, "
             f"p < {ALPHA})",
             "B/A: ratio of the medians; shift: the median of every pairwise ratio (Hodges-Lehmann) with "
             "its distribution-free 95% CI, from 4 repetitions a side"]
    if untestable:
        lines.append(f"{untestable} points have too few repetitions for any test to reach p < {ALPHA} "
                     f"(3 against 3: p >= 0.1 at best): no p-value, 'n too small'")
    if few:
        lines.append(f"warning: {few} points have fewer than {MIN_REPETITIONS} repetitions on a side; "
                     f"their U test says little (Google Benchmark's compare.py asks for {MIN_REPETITIONS})")
    return lines


def not_compared_lines(c: Comparison) -> List[str]:
    return [f"not compared: {point}: {why}" for point, why in c.not_compared]


def to_text(c: Comparison) -> str:
    table = format_table(HEADERS, [cells(r) for r in c.rows], right_aligned=NUMERIC)
    parts = header_lines(c) + ["", table]
    extra = bimodal_lines(c) + not_compared_lines(c)
    return "\n".join(parts + ([""] + extra if extra else [])) + "\n"


def md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(c: Comparison) -> str:
    lines = [f"- {md_escape(line)}" for line in header_lines(c)] + [""]
    lines.append("| " + " | ".join(HEADERS) + " |")
    lines.append("|" + "|".join("---:" if i in NUMERIC else "---" for i in range(len(HEADERS))) + "|")
    lines += ["| " + " | ".join(md_escape(cell) for cell in cells(r)) + " |" for r in c.rows]
    extra = bimodal_lines(c) + not_compared_lines(c)
    if extra:
        lines += ["", "```"] + extra + ["```"]
    return "\n".join(lines) + "\n"


def finite(value: Optional[float]) -> Optional[float]:
    return value if value is not None and math.isfinite(value) else None


def side_json(s: Side) -> dict:
    return {"key": s.point.key, "n": s.summary.n, "median": s.summary.median,
            "ci": [s.summary.ci_low, s.summary.ci_high], "ci_confidence": s.summary.ci_confidence,
            "cv": s.summary.cv,
            "values": s.values, "bimodal": s.bimodal_detail()}


def to_json(c: Comparison) -> str:
    doc = {"mode": c.mode, "a": c.label_a, "b": c.label_b, "alpha": ALPHA,
           "min_repetitions": MIN_REPETITIONS,
           "rows": [{"point": r.point, "workload": r.a.point.workload, "params": r.a.point.params,
                     "metric": r.metric.name, "unit": r.metric.unit,
                     "higher_is_better": r.metric.higher_is_better,
                     "a": side_json(r.a), "b": side_json(r.b), "ratio": finite(r.ratio),
                     "ratio_ci": [finite(r.ratio_ci[0]), finite(r.ratio_ci[1])],
                     "shift": None if r.shift is None else
                     {"estimate": r.shift.estimate, "ci": [r.shift.low, r.shift.high],
                      "confidence": r.shift.confidence},
                     "p_value": r.p_value,
                     "significant": r.significant, "better": r.better, "n_too_small": r.n_too_small,
                     "resolution": r.resolution, "below_resolution": r.below_resolution,
                     "few_repetitions": r.few_repetitions, "flags": flags(r)} for r in c.rows],
           "not_compared": [{"point": p, "why": why} for p, why in c.not_compared]}
    return json.dumps(doc, indent=1) + "\n"
