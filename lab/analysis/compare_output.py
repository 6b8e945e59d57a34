"""Render a Comparison as an aligned text table (optionally coloured), Markdown,
CSV or JSON. Every format has the same parts: a header (what differs, the
verdict), the rows biggest effect first, the geometric means, and what was not
compared, counted per workload and reason."""
from __future__ import annotations

import csv
import io
import json
import math
from typing import List, Optional

from lab.analysis.compare import (ALPHA, MIN_REPETITIONS, Comparison, Geomean, Row, Side, geomeans,
                                  not_compared_counts)
from lab.base.table import format_table

HEADERS = ("point", "metric", "A", "B", "change", "verdict", "shift B/A [95% CI]", "p (U test)", "n A/B",
           "flags")
NUMERIC = (2, 3, 4, 6, 7, 8)
GEOMEAN_HEADERS = ("geometric mean", "points", "B over A", "B against A", "better", "worse", "≈")
CSV_COLUMNS = ("point", "workload", "backend", "backend_b", "params", "metric", "unit", "higher_is_better",
               "n_a", "n_b", "median_a", "median_b", "ratio", "change_pct", "shift", "shift_low", "shift_high",
               "shift_confidence", "p_value", "significant", "verdict", "flags")
# ANSI SGR colours: only the verdict and its change, only where significant.
COLOURS = {"better": "\x1b[32m", "worse": "\x1b[31m"}
RESET = "\x1b[0m"


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


def points(n: int) -> str:
    return f"{n} point" if n == 1 else f"{n} points"


def fmt_change(pct: Optional[float]) -> str:
    """+12.3% / -4.0%; a change that rounds to nothing is +0.0%, never -0.0%."""
    if pct is None:
        return "-"
    return f"{0.0 if abs(pct) < 0.05 else pct:+.1f}%"


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


def paint(text: str, verdict: Optional[str], color: bool) -> str:
    return f"{COLOURS[verdict]}{text}{RESET}" if color and verdict in COLOURS else text


def cells(row: Row, ratio_fmt=fmt_ratio, color: bool = False) -> List[str]:
    # The verdict column says significance; the flags keep what it does not.
    shown_flags = [f for f in flags(row) if not f.startswith("SIGNIFICANT")]
    return [row.point, f"{row.metric.name} ({row.metric.unit})", fmt_value(row.a.summary.median),
            fmt_value(row.b.summary.median), paint(fmt_change(row.change_pct), row.verdict, color),
            paint(row.verdict or "", row.verdict, color), shift_cell(row, ratio_fmt),
            "n too small" if row.p_value is None else f"{row.p_value:.4f}",
            f"{row.a.summary.n}/{row.b.summary.n}", ", ".join(shown_flags)]


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


def verdict_lines(c: Comparison) -> List[str]:
    v = c.verdict
    if v is None:
        return []
    lines = [f"differs: {'; '.join(d.text() for d in v.differences)}"] if v.differences else []
    return lines + [f"verdict: {v.line()}"]


def count_line(c: Comparison) -> str:
    tally = [f"{sum(r.verdict == v for r in c.rows)} {v}" for v in ("better", "worse", "≈")]
    return (f"{points(len(c.rows))} compared: {', '.join(tally)} (B against A; better/worse: Mann-Whitney U "
            f"p < {ALPHA}, exact for small n, and above the resolution)")


def header_lines(c: Comparison) -> List[str]:
    few = sum(r.few_repetitions for r in c.rows)
    untestable = sum(r.n_too_small for r in c.rows)
    lines = [f"A: {c.label_a}", f"B: {c.label_b}"] + verdict_lines(c) + [
        count_line(c),
        "change: B against A in percent of A, from the shift B/A (Hodges-Lehmann: the median pairwise ratio, "
        "with its distribution-free 95% CI, from 4 repetitions a side), else from the ratio of the medians"]
    if untestable:
        lines.append(f"{untestable} points have too few repetitions for any test to reach p < {ALPHA} "
                     f"(3 against 3: p >= 0.1 at best): no p-value, 'n too small'")
    if few:
        lines.append(f"warning: {few} points have fewer than {MIN_REPETITIONS} repetitions on a side; "
                     f"their U test says little (Google Benchmark's compare.py asks for {MIN_REPETITIONS})")
    return lines


def geomean_label(g: Geomean) -> str:
    return g.name if g.group == "overall" else f"{g.group} {g.name}"


def gain_words(g: Geomean) -> str:
    if g.gain is None:
        return "-"
    pct = g.gain_pct
    return "same" if round(pct, 1) == 0 else f"{abs(pct):.1f}% {'better' if pct > 0 else 'worse'}"


def geomean_cells(g: Geomean) -> List[str]:
    return [geomean_label(g), str(g.points), "-" if g.gain is None else f"{g.gain:.3f}", gain_words(g),
            str(g.better), str(g.worse), str(g.unresolved)]


GEOMEAN_NOTE = ("geometric means of B over A: each point's B/A, inverted where lower is better (above 1: B better); "
                "≈ points left out; better/worse: significant points")


def geomean_table(c: Comparison) -> str:
    return format_table(GEOMEAN_HEADERS, [geomean_cells(g) for g in geomeans(c)], right_aligned=(1, 2, 4, 5, 6))


def not_compared_lines(c: Comparison, verbose: bool) -> List[str]:
    """Counts per workload and reason; with `verbose`, each point too."""
    if not c.not_compared:
        return []
    hint = "" if verbose else " (--verbose lists them)"
    lines = [f"not compared: {points(len(c.not_compared))}{hint}"]
    for workload, reasons in not_compared_counts(c):
        lines.append(f"  {workload}: " + ", ".join(f"{n} {why}" for why, n in reasons))
    if verbose:
        lines += [f"  - {point}: {why}" for point, why in c.not_compared]
    return lines


def to_text(c: Comparison, color: bool = False, verbose: bool = False) -> str:
    table = format_table(HEADERS, [cells(r, color=color) for r in c.rows], right_aligned=NUMERIC)
    parts = header_lines(c) + ["", table, "", GEOMEAN_NOTE, geomean_table(c)]
    extra = bimodal_lines(c) + not_compared_lines(c, verbose)
    return "\n".join(parts + ([""] + extra if extra else [])) + "\n"


def md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def md_table(headers, rows, numeric) -> List[str]:
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---:" if i in numeric else "---" for i in range(len(headers))) + "|"]
    return lines + ["| " + " | ".join(md_escape(cell) for cell in row) + " |" for row in rows]


def to_markdown(c: Comparison, verbose: bool = False) -> str:
    lines = [f"- {md_escape(line)}" for line in header_lines(c)] + [""]
    lines += md_table(HEADERS, [cells(r) for r in c.rows], NUMERIC)
    lines += ["", md_escape(GEOMEAN_NOTE), ""]
    lines += md_table(GEOMEAN_HEADERS, [geomean_cells(g) for g in geomeans(c)], (1, 2, 4, 5, 6))
    extra = bimodal_lines(c) + not_compared_lines(c, verbose)
    if extra:
        lines += ["", "```"] + extra + ["```"]
    return "\n".join(lines) + "\n"


def finite(value: Optional[float]) -> Optional[float]:
    return value if value is not None and math.isfinite(value) else None


def csv_row(r: Row) -> dict:
    s = r.shift
    shift = (None, None, None, None) if s is None else (s.estimate, s.low, s.high, s.confidence)
    return {"point": r.point, "workload": r.a.point.workload, "backend": r.a.point.backend,
            "backend_b": r.b.point.backend, "params": json.dumps(r.a.point.params, sort_keys=True),
            "metric": r.metric.name, "unit": r.metric.unit, "higher_is_better": r.metric.higher_is_better,
            "n_a": r.a.summary.n, "n_b": r.b.summary.n, "median_a": r.a.summary.median,
            "median_b": r.b.summary.median, "ratio": finite(r.ratio), "change_pct": r.change_pct,
            **dict(zip(("shift", "shift_low", "shift_high", "shift_confidence"), shift)), "p_value": r.p_value, "significant": r.significant,
            "verdict": r.verdict or "none", "flags": "; ".join(flags(r))}


def to_csv(c: Comparison) -> str:
    """One row per compared point; empty cells where a value does not exist (n too small)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in c.rows:
        writer.writerow({k: "" if v is None else v for k, v in csv_row(r).items()})
    return out.getvalue()


def side_json(s: Side) -> dict:
    return {"key": s.point.key, "n": s.summary.n, "median": s.summary.median,
            "ci": [s.summary.ci_low, s.summary.ci_high], "ci_confidence": s.summary.ci_confidence,
            "cv": s.summary.cv,
            "values": s.values, "bimodal": s.bimodal_detail()}


def header_json(c: Comparison) -> dict:
    v = c.verdict
    doc = {"a": c.label_a, "b": c.label_b}
    if v is not None:
        doc.update(verdict=v.level, verdict_text=v.title, subject=v.subject, reasons=v.reasons,
                   differences=[{"aspect": d.aspect, "role": d.role, "a": d.a, "b": d.b} for d in v.differences])
    return doc


def geomean_json(g: Geomean) -> dict:
    return {"group": g.group, "name": g.name, "points": g.points, "gain": g.gain, "gain_pct": g.gain_pct,
            "better": g.better, "worse": g.worse, "below_resolution": g.unresolved}


def row_json(r: Row) -> dict:
    return {"point": r.point, "workload": r.a.point.workload, "backend": r.a.point.backend,
            "params": r.a.point.params, "metric": r.metric.name, "unit": r.metric.unit,
            "higher_is_better": r.metric.higher_is_better,
            "a": side_json(r.a), "b": side_json(r.b), "ratio": finite(r.ratio),
            "ratio_ci": [finite(r.ratio_ci[0]), finite(r.ratio_ci[1])],
            "shift": None if r.shift is None else
            {"estimate": r.shift.estimate, "ci": [r.shift.low, r.shift.high], "confidence": r.shift.confidence},
            "change_pct": r.change_pct, "verdict": r.verdict, "p_value": r.p_value,
            "significant": r.significant, "better": r.better, "n_too_small": r.n_too_small,
            "resolution": r.resolution, "below_resolution": r.below_resolution,
            "few_repetitions": r.few_repetitions, "flags": flags(r)}


def to_json(c: Comparison) -> str:
    doc = {"mode": c.mode, "a": c.label_a, "b": c.label_b, "alpha": ALPHA,
           "min_repetitions": MIN_REPETITIONS, "header": header_json(c),
           "rows": [row_json(r) for r in c.rows],
           "geomeans": [geomean_json(g) for g in geomeans(c)],
           "not_compared": [{"point": p, "why": why} for p, why in c.not_compared],
           "not_compared_counts": [{"workload": w, "why": why, "count": n}
                                   for w, reasons in not_compared_counts(c) for why, n in reasons]}
    return json.dumps(doc, indent=1) + "\n"
