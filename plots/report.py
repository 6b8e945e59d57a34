"""One static HTML page per set: charts, a summary table per workload,
failed and missing points, provenance (context) and the host profile. No
external URL: charts sit in charts/ next to index.html, styles are inline."""
from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Dict, List, Union

from lab.records import reader
from lab.analysis import metrics, stats
from lab.analysis.compare_output import fmt_value

STYLE = """
body { font-family: DejaVu Sans, sans-serif; margin: 2em; color: #222; max-width: 1400px; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.flag td { background: #fff3cd; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; }
#image-check.broken { color: #b00020; font-weight: bold; }
"""

# Reports whether every chart loaded (a report copied without its charts/ says so).
IMAGE_CHECK = """
window.addEventListener('load', function () {
  var images = Array.prototype.slice.call(document.images);
  var broken = images.filter(function (img) { return !(img.complete && img.naturalWidth > 0); });
  var out = document.getElementById('image-check');
  out.setAttribute('data-images', images.length);
  out.setAttribute('data-broken', broken.length);
  out.textContent = broken.length ? broken.length + ' of ' + images.length + ' charts failed to load: ' +
      broken.map(function (img) { return img.getAttribute('src'); }).join(', ')
    : 'all ' + images.length + ' charts loaded';
  if (broken.length) out.className = 'broken';
});
"""


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def table(headers: List[str], rows: List[List[str]], numeric=(), flagged=()) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        cells = "".join(f'<td class="num">{esc(c)}</td>' if j in numeric else f"<td>{esc(c)}</td>"
                        for j, c in enumerate(row))
        body.append(f'<tr class="flag">{cells}</tr>' if i in flagged else f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


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


def workload_tables(rs: reader.ResultSet) -> str:
    by_workload: Dict[str, List[reader.Point]] = {}
    for key in sorted(rs.points):
        p = rs.points[key]
        if p.ok:
            by_workload.setdefault(p.workload, []).append(p)
    parts = []
    for workload, found in sorted(by_workload.items()):
        param_names = sorted({name for p in found for name in p.params})
        rows, flagged = [], []
        for p in found:
            metric = metrics.primary_metric(p)
            values = [v for v, _ in metrics.values(p, metric)]
            s = stats.summarize(values)
            notes = []
            if s is None:
                notes.append("no values")
            elif stats.bimodal_split(values) is not None:
                notes.append("bimodal")
            if sum(max(r.counters.get("violations", 0), 0) for r in p.repetitions):
                notes.append("VIOLATIONS")
            if notes:
                flagged.append(len(rows))
            rows.append([p.backend] + [str(p.params.get(n, "")) for n in param_names] +
                        [f"{metric.name} ({metric.unit})", fmt_value(s.median if s else None),
                         f"{fmt_value(s.ci_low)} – {fmt_value(s.ci_high)}" if s else "-",
                         f"{s.cv * 100:.1f}%" if s and s.cv is not None else "-", str(s.n if s else 0),
                         ", ".join(notes)])
        headers = ["backend"] + param_names + ["metric", "median", "95% CI", "CV", "n", "flags"]
        first_num = len(param_names) + 2
        parts.append(f"<h3 id=\"table-{esc(workload)}\">{esc(workload)}</h3>" +
                     table(headers, rows, numeric=range(first_num, first_num + 4), flagged=flagged))
    return "".join(parts) or "<p>No ok points.</p>"


def problems(rs: reader.ResultSet) -> str:
    failed = [[p.key, (p.error or {}).get("reason", "?"), (p.error or {}).get("message", ""), str(len(p.repetitions))]
              for _, p in sorted(rs.points.items()) if not p.ok]
    out = []
    if failed:
        out.append(f"<h3>Failed points ({len(failed)})</h3>" +
                   table(["point", "reason", "message", "repetitions kept"], failed))
    if rs.missing:
        out.append(f"<h3>Missing points ({len(rs.missing)})</h3><p>Listed in the manifest, no record yet "
                   "(an interrupted or still running sweep):</p><ul>" +
                   "".join(f"<li>{esc(k)}</li>" for k in rs.missing) + "</ul>")
    return "".join(out) or "<p>None: every point of the manifest has an ok record.</p>"


def charts_section(outcome: Dict[str, Union[List[str], str]]) -> str:
    import plots
    titles = {plots.family_name(m): m.TITLE for m in plots.FAMILIES}
    parts = []
    for family, result in outcome.items():
        parts.append(f"<h3>{esc(titles.get(family, family))}</h3>")
        if isinstance(result, str):
            parts.append(f"<p>Skipped: {esc(result)}.</p>")
            continue
        for name in result:
            if name.endswith(".png"):
                svg = name[:-4] + ".svg"
                parts.append(f'<figure><img src="charts/{esc(name)}" alt="{esc(name)}">'
                             f'<figcaption><a href="charts/{esc(svg)}">{esc(svg)}</a></figcaption></figure>')
    return "".join(parts)


def page(rs: reader.ResultSet, outcome, profile) -> str:
    context = rs.context
    ok = sum(p.ok for p in rs.points.values())
    key_facts = [["set", rs.set_id], ["host profile", rs.profile_id],
                 ["created", str(rs.manifest.get("created_utc", "?"))],
                 ["points", f"{len(rs.points)} records ({ok} ok), {len(rs.missing)} missing"]]
    for name in ("rculab_commit", "compiler", "cxx_flags", "liburcu_version", "hwloc_version",
                 "benchmark_version", "membarrier_mode", "topology_pus"):
        if name in context:
            key_facts.append([name, str(context[name])])
    profile_html = (table(["field", "value"], flatten(profile)) if profile is not None else
                    f"<p>No hw-profiles/{esc(rs.profile_id)}/profile.json in this checkout.</p>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>rculab report: {esc(rs.label)}</title>
<style>{STYLE}</style></head>
<body>
<h1>rculab report</h1>
<p>Set <b>{esc(rs.set_id)}</b> on host profile <b>{esc(rs.profile_id)}</b>.</p>
{table(["", ""], key_facts)}
<p id="image-check">checking charts…</p>
<h2>Charts</h2>
{charts_section(outcome)}
<h2>Summary</h2>
<p>Per point the workload's headline metric over repetitions: median, CI of the median
(95% if n ≥ 6, else min–max), CV (stddev/mean). Highlighted rows: bimodal repetitions or violations.</p>
{workload_tables(rs)}
<h2>Failed and missing points</h2>
{problems(rs)}
<h2>Provenance</h2>
<h3>Build and run context (first record)</h3>
{table(["key", "value"], [[k, str(v)] for k, v in sorted(context.items())])}
<h3>Host profile</h3>
{profile_html}
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
