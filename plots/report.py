"""One static HTML page per set, findings first: what the data say (with
their evidence and confidence, lab/analysis/findings.py), a table of
contents, then one section per workload with its pivot tables (backend x
the axis that varies most, coloured by the ratio to `none` or to the
column's best) beside its charts, the failed and missing points, and the
provenance folded away under the handful of facts that matter. No external
URL: charts sit in charts/ next to index.html, styles are inline."""
from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

from lab.analysis import findings, metrics, stats
from lab.analysis.compare_output import fmt_value
from lab.analysis.summary import BASELINE, backend_order
from lab.records import reader

STYLE = """
body { font-family: DejaVu Sans, sans-serif; margin: 1.5em; color: #222; max-width: 1500px; line-height: 1.35; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.8em; }
table { border-collapse: collapse; margin: 0.4em 0 1em; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.num small { display: block; color: #444; }
td.failed { background: #eee; color: #777; }
.scroll { overflow-x: auto; max-width: 100%; }
.pair { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; }
.pair > .tables { flex: 0 1 auto; max-width: 100%; min-width: 0; }
.pair > .charts { flex: 1 1 420px; min-width: min(420px, 100%); }
figure { margin: 0 0 1em; }
figure img { max-width: 100%; height: auto; }
ul.findings { padding-left: 1.2em; }
ul.findings li { margin: 0.35em 0; }
.confidence { display: block; color: #555; font-size: 0.85em; }
.verdict { font-weight: bold; padding: 0 0.4em; border-radius: 3px; }
.holds { background: #d4edda; } .fails { background: #f8d7da; }
.undecided, .not-measured { background: #eee; }
nav ol { columns: 2; max-width: 50em; }
#image-check { display: none; }
#image-check.broken { display: block; color: #b00020; font-weight: bold; }
"""

# Says so on the page when a chart did not load (a report copied without its charts/).
IMAGE_CHECK = """
window.addEventListener('load', function () {
  var images = Array.prototype.slice.call(document.images);
  var broken = images.filter(function (img) { return !(img.complete && img.naturalWidth > 0); });
  var out = document.getElementById('image-check');
  out.setAttribute('data-images', images.length);
  out.setAttribute('data-broken', broken.length);
  out.setAttribute('data-scroll-width', document.documentElement.scrollWidth);
  out.setAttribute('data-viewport-width', window.innerWidth);
  if (broken.length) {
    out.textContent = broken.length + ' of ' + images.length + ' charts failed to load: ' +
        broken.map(function (img) { return img.getAttribute('src'); }).join(', ');
    out.className = 'broken';
  }
});
"""

FINDING_GROUPS = (("claim", "The documents' claims on this host"), ("scalability", "Scalability"),
                  ("standing", "Against none and liburcu's twins"), ("crossover", "Crossovers"),
                  ("anomaly", "Anomalies"))
PIVOT_NOTE = ("<p>Each cell: the median over the repetitions, and below it the ratio to none (or to the "
              "column's best where none did not run), greener the closer to it; * the host was noisy.</p>")
# A pivot splits into one table per combination of its other parameters, up to this many.
MOST_TABLES = 8


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def table(headers: Sequence[str], rows: List[List[str]], numeric=()) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="num">{esc(c)}</td>' if j in numeric else f"<td>{esc(c)}</td>"
                                    for j, c in enumerate(row)) + "</tr>" for row in rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def flatten(doc, prefix: str = "") -> List[List[str]]:
    """Nested JSON as (dotted key, value) rows."""
    rows = []
    if isinstance(doc, dict):
        for key in doc:
            rows += flatten(doc[key], f"{prefix}{key}.")
    elif isinstance(doc, list) and doc and all(isinstance(v, dict) for v in doc):
        for i, v in enumerate(doc):
            rows += flatten(v, f"{prefix}{i}.")
    else:
        rows.append([prefix.rstrip("."), doc if isinstance(doc, str) else json.dumps(doc)])
    return rows


# ---- findings ----------------------------------------------------------------------

def finding_item(f: findings.Finding) -> str:
    verdict = (f'<span class="verdict {esc(f.verdict.replace(" ", "-"))}">{esc(f.verdict)}</span> '
               if f.verdict else "")
    link = f' <a href="#{esc(f.evidence)}">evidence</a>' if f.evidence else ""
    return (f"<li>{verdict}{esc(f.text)}{link}"
            f"<span class=\"confidence\">{esc(f.confidence)}</span></li>")


def findings_section(found: List[findings.Finding]) -> str:
    parts = ['<h2 id="findings">Findings</h2>']
    for kind, title in FINDING_GROUPS:
        mine = [f for f in found if f.kind == kind]
        if mine:
            parts.append(f"<h3>{esc(title)}</h3><ul class=\"findings\">" +
                         "".join(finding_item(f) for f in mine) + "</ul>")
    if len(parts) == 1:
        parts.append("<p>This set holds no ok point to draw a finding from.</p>")
    return "".join(parts)


# ---- pivot tables ---------------------------------------------------------------------

def pivot_axis(points: List[reader.Point]) -> Optional[str]:
    """The parameter the workload's table runs along: readers where they vary,
    else the parameter with the most values."""
    values: Dict[str, set] = {}
    for p in points:
        for name, value in p.params.items():
            if name != "placement":
                values.setdefault(name, set()).add(value)
    varying = {name: len(v) for name, v in values.items() if len(v) > 1}
    if not varying:
        return None
    return "readers" if "readers" in varying else max(sorted(varying), key=lambda n: varying[n])


def _key(value):
    return (0, value, "") if isinstance(value, (int, float)) else (1, 0, str(value))


def cell_value(point: Optional[reader.Point]) -> Tuple[Optional[float], Optional[metrics.Metric]]:
    if point is None or not point.ok:
        return None, None
    metric = metrics.primary_metric(point)
    s = stats.summarize([v for v, _ in metrics.values(point, metric)])
    return (s.median if s else None), metric


def heat(score: float) -> str:
    """Red (far worse) through yellow to green (as good as the reference), by
    decades of ratio."""
    hue = 120 * max(0.0, min(1.0, 1 + score / 2))  # 1 decade worse: yellow; 2: red
    return f"background: hsl({hue:.0f}, 70%, 85%)"


def pivot_table(axis: str, columns: List, backends: List[str], cells: Dict[Tuple[str, object], reader.Point]) -> str:
    head = "".join(f"<th>{esc(axis)} {esc(c)}</th>" for c in columns)
    rows = []
    medians = {key: cell_value(p) for key, p in cells.items()}
    for backend in backends:
        tds = []
        for column in columns:
            point = cells.get((backend, column))
            value, metric = medians.get((backend, column), (None, None))
            if point is None:
                tds.append("<td></td>")
            elif not point.ok:
                reason = (point.error or {}).get("reason", "failed")
                tds.append(f'<td class="num failed" title="{esc(point.key)}">failed<small>{esc(reason)}</small></td>')
            elif value is None or metric is None:
                tds.append('<td class="num">-</td>')
            else:
                tds.append(_heat_cell(point, value, metric, column, medians, backends))
        rows.append(f"<tr><th>{esc(backend)}</th>{''.join(tds)}</tr>")
    return (f'<div class="scroll"><table class="pivot"><thead><tr><th>backend</th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _heat_cell(point, value: float, metric: metrics.Metric, column, medians, backends) -> str:
    """The median, its ratio to none (or to the column's best where none did
    not run), coloured by how far it is from that reference."""
    baseline, _ = medians.get((BASELINE, column), (None, None))
    column_values = [medians[(b, column)][0] for b in backends if medians.get((b, column), (None,))[0]]
    if baseline:
        reference, name = baseline, "none"
    else:
        reference = max(column_values) if metric.higher_is_better else min(column_values)
        name = "best"
    ratio = value / reference if reference else None
    note = f"{ratio:.3g}× {name}" if ratio else ""
    style = ""
    if ratio and ratio > 0:
        score = math.log10(ratio) * (1 if metric.higher_is_better else -1)
        style = f' style="{heat(min(score, 0.0))}"'
    noisy = " *" if point.noise else ""
    return (f'<td class="num"{style} title="{esc(point.key)}">{esc(fmt_value(value))}{noisy}'
            f"<small>{esc(note)}</small></td>")


def pivot_tables(points: List[reader.Point]) -> str:
    axis = pivot_axis(points)
    if axis is None:
        axis_values, rest_of = [""], (lambda p: findings.others(p))
    else:
        axis_values = sorted({p.params.get(axis) for p in points}, key=_key)
        rest_of = (lambda p: findings.others(p, axis))
    groups: Dict[tuple, Dict[Tuple[str, object], reader.Point]] = {}
    for p in points:
        groups.setdefault(rest_of(p), {})[(p.backend, p.params.get(axis) if axis else "")] = p
    parts = []
    for n, (rest, cells) in enumerate(sorted(groups.items(), key=lambda kv: str(kv[0]))):
        if n == MOST_TABLES:
            parts.append(f"<p>{len(groups) - MOST_TABLES} more combinations: see the charts and the records.</p>")
            break
        backends = sorted({b for b, _ in cells}, key=backend_order)
        metric = next((metrics.primary_metric(p) for p in cells.values() if p.ok), None)
        measure = (f": {metric.label} ({metric.unit}, {'higher' if metric.higher_is_better else 'lower'} is better)"
                   if metric else "")
        parts.append(f"<h4>{esc(findings.params_text(rest))}{esc(measure)}</h4>" +
                     pivot_table(axis or "", axis_values, backends, cells))
    return "".join(parts)


# ---- sections -------------------------------------------------------------------------

def figures(names: List[str]) -> str:
    out = []
    for name in names:
        if name.endswith(".png"):
            svg = name[:-4] + ".svg"
            out.append(f'<figure><img src="charts/{esc(name)}" alt="{esc(name)}">'
                       f'<figcaption><a href="charts/{esc(svg)}">{esc(svg)}</a></figcaption></figure>')
    return "".join(out)


def family_workloads() -> Dict[str, str]:
    import plots
    return {plots.family_name(m): getattr(m, "WORKLOAD", "") for m in plots.FAMILIES}


def workload_sections(rs: reader.ResultSet, outcome: Dict[str, Union[List[str], str]]) -> Tuple[str, List[str]]:
    """(the sections' HTML, their workloads in order)."""
    by_workload: Dict[str, List[reader.Point]] = {}
    for key in sorted(rs.points):
        by_workload.setdefault(rs.points[key].workload, []).append(rs.points[key])
    owner = family_workloads()
    charts: Dict[str, List[str]] = {}
    for family, result in outcome.items():
        if isinstance(result, list):
            charts.setdefault(owner.get(family, ""), []).extend(result)
    parts, order = [], []
    for workload, points in sorted(by_workload.items()):
        if not any(p.ok for p in points):
            continue
        order.append(workload)
        summary = findings.workload_summary(workload)
        parts.append(f'<h2 id="{esc(findings.workload_anchor(workload))}">{esc(workload)}</h2>'
                     + (f"<p>{esc(summary)}</p>" if summary else "") + PIVOT_NOTE
                     + f'<div class="pair"><div class="tables">{pivot_tables(points)}</div>'
                     f"<div class=\"charts\">{figures(charts.get(workload, [])) or '<p>No chart family draws this workload.</p>'}"
                     "</div></div>")
    return "".join(parts), order


def skipped_families(outcome: Dict[str, Union[List[str], str]]) -> str:
    skipped = sorted(family for family, result in outcome.items() if isinstance(result, str))
    if not skipped:
        return ""
    return (f"<p>Chart families without data in this set ({len(skipped)}): " + ", ".join(esc(f) for f in skipped)
            + ".</p>")


def problems(rs: reader.ResultSet) -> str:
    failed = [[p.key, (p.error or {}).get("reason", "?"), (p.error or {}).get("message", ""), str(len(p.repetitions))]
              for _, p in sorted(rs.points.items()) if not p.ok]
    noisy = [[p.key, "; ".join(p.noise)] for _, p in sorted(rs.points.items()) if p.ok and p.noise]
    out = [f'<h2 id="{findings.PROBLEMS_ANCHOR}">Failed, noisy and missing points</h2>']
    if failed:
        out.append(f"<h3>Failed ({len(failed)})</h3>" + table(["point", "reason", "message", "repetitions kept"],
                                                             failed))
    if noisy:
        out.append(f"<h3>Noisy ({len(noisy)})</h3>" + table(["point", "why"], noisy))
    if rs.missing:
        out.append(f"<h3>Missing ({len(rs.missing)})</h3><p>Listed in the manifest, no record yet "
                   "(an interrupted or still running sweep):</p><ul>" +
                   "".join(f"<li>{esc(k)}</li>" for k in rs.missing) + "</ul>")
    if len(out) == 1:
        out.append("<p>None: every point of the manifest has an ok record from a quiet host.</p>")
    return "".join(out)


def key_facts(rs: reader.ResultSet, profile: Optional[dict]) -> List[List[str]]:
    """What a reader needs to judge the numbers, on top of the provenance."""
    context, spec, profile = rs.context, rs.manifest.get("spec", {}), profile or {}
    cpu, topology = profile.get("cpu", {}), profile.get("topology", {})
    software = profile.get("software", {})
    noisy = sum(1 for p in rs.points.values() if p.noise)
    facts = [
        ["CPU", cpu.get("model_name") or str(context.get("cpu_model", "?"))],
        ["PUs", str(topology.get("pus") or spec.get("pus") or "?")],
        ["kernel", str(software.get("kernel_release") or context.get("kernel", "?"))],
        ["compiler and flags", f"{context.get('compiler', '?')} {context.get('cxx_flags', '')}".strip()],
        ["liburcu", str(context.get("liburcu_version") or software.get("libraries", {}).get("liburcu", "?"))],
        ["rculab commit", str(context.get("rculab_commit", "?"))],
        ["preset", f"{spec.get('name', '?')}: {spec.get('description', '')}".rstrip(": ")],
        ["repetitions", f"{spec.get('repetitions', '?')} per point"
         + (", interleaved" if spec.get("interleave") else "")
         + (f", adaptive to ±{100 * spec['adaptive_ci']:g}%" if spec.get("adaptive_ci") else "")
         + f", {spec.get('duration', '?')} s window"],
        ["noise", f"{noisy} of {len(rs.points)} points ran on a noisy host" if noisy else
         f"quiet: no point of {len(rs.points)} flagged noisy"],
    ]
    return facts


def provenance(rs: reader.ResultSet, profile: Optional[dict]) -> str:
    profile_html = (table(["field", "value"], flatten(profile)) if profile is not None else
                    f"<p>No hw-profiles/{esc(rs.profile_id)}/profile.json in this checkout.</p>")
    context_rows = [[k, str(v)] for k, v in sorted(rs.context.items())]
    return ('<h2 id="provenance">Provenance</h2>' + table(["", ""], key_facts(rs, profile)) +
            "<details><summary>Build and run context (first record)</summary>" +
            table(["key", "value"], context_rows) + "</details>"
            f"<details><summary>Host profile {esc(rs.profile_id)}</summary>{profile_html}</details>")


def contents(workloads: List[str]) -> str:
    entries = [("findings", "Findings")] + [(findings.workload_anchor(w), w) for w in workloads] + \
        [(findings.PROBLEMS_ANCHOR, "Failed, noisy and missing points"), ("provenance", "Provenance")]
    return ('<nav id="contents"><h2>Contents</h2><ol>' +
            "".join(f'<li><a href="#{esc(anchor)}">{esc(title)}</a></li>' for anchor, title in entries) +
            "</ol></nav>")


def page(rs: reader.ResultSet, outcome, profile) -> str:
    ok = sum(p.ok for p in rs.points.values())
    sections, workloads = workload_sections(rs, outcome)
    spec = rs.manifest.get("spec", {})
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rculab report: {esc(rs.label)}</title>
<style>{STYLE}</style></head>
<body>
<h1>rculab report: {esc(rs.set_id)}</h1>
<p>Host profile <b>{esc(rs.profile_id)}</b>, preset <b>{esc(spec.get('name', '?'))}</b>:
{len(rs.points)} points ({ok} ok, {len(rs.points) - ok} failed, {len(rs.missing)} missing).</p>
<p id="image-check"></p>
{findings_section(findings.all_findings(rs))}
{contents(workloads)}
{sections}
{skipped_families(outcome)}
{problems(rs)}
{provenance(rs, profile)}
<script>{IMAGE_CHECK}</script>
</body></html>
"""


def write(rs: reader.ResultSet, folder: Path) -> Dict[str, Union[List[str], str]]:
    """Fill `folder` (a fresh staging folder) with index.html and charts/."""
    import plots
    charts = folder / "charts"
    charts.mkdir()
    outcome = plots.render_all([rs], charts)
    (folder / "index.html").write_text(page(rs, outcome, reader.host_profile(rs.profile_id)), encoding="utf-8")
    return outcome
