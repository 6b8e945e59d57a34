"""call_rcu backlog over the window: callbacks queued and not yet invoked,
sampled about every millisecond (the record's `backlog` series), with the
updaters enqueueing flat out. A reclaimer that keeps up draws a flat line
near zero; one that falls behind, a ramp that grows for as long as the run
lasts (until the workload's cap throttles the updaters: drawn and labelled).
Small multiples: one panel per backend on shared axes, every repetition's
series a thin line; one figure per updater count (at most three)."""
from __future__ import annotations

from matplotlib.lines import Line2D

from plots import data, memory, style

TITLE = "call_rcu backlog over time, saturated"
WORKLOAD = "call_rcu"
COLUMNS = 4


def flat_out(point) -> bool:
    return point.params.get("interval_ns") == 0


def has_backlog(point) -> bool:
    return flat_out(point) and any("backlog" in r.series for r in point.repetitions)


def draw_series(ax, point, set_index: int) -> int:
    """Every repetition's backlog series as a thin line; returns how many."""
    kwargs = style.line_kwargs(point.backend, set_index)
    kwargs.update(marker="", linewidth=0.9, alpha=0.8)
    drawn = 0
    for rep in point.repetitions:
        if "backlog" in rep.series:
            period_ns, values = rep.series["backlog"]
            ax.plot([k * period_ns * 1e-6 for k in range(len(values))], values, **kwargs)
            drawn += 1
    return drawn


def draw_cap(ax, cap: int) -> None:
    ax.axhline(cap, **memory.CAP_STYLE)
    ax.text(0.98, cap, memory.cap_text(cap), transform=ax.get_yaxis_transform(), ha="right", va="bottom",
            fontsize=7, color="#444444")


def backend_panel(ax, backend: str, mine, lost, cap: int) -> data.Drawn:
    """One backend: its points' series (several sets: one line style each), its failures listed."""
    drawn = data.Drawn(backends={backend})
    for i, _, p in mine:
        draw_series(ax, p, i)
    style.list_failed(ax, [(p.backend, f"failed: {data.reason(p)}") for _, _, p in lost])
    drawn.failed |= {data.reason(p) for _, _, p in lost}
    draw_cap(ax, cap)
    ax.set_title(backend)
    return drawn


def updaters_figure(sets, out_dir, placement, here, lost, updaters) -> list:
    backends = sorted({p.backend for _, _, p in here + lost}, key=style.backend_sort_key)
    fig, axes = style.grid(len(backends), COLUMNS, width_per_panel=2.6, height=2.0, share=True)
    fig.subplots_adjust(hspace=0.35)  # room for each row's backend names
    total, cap = data.Drawn(), memory.backlog_cap()
    for ax, backend in zip(axes, backends):
        total.update(backend_panel(ax, backend, [f for f in here if f[2].backend == backend],
                                   [f for f in lost if f[2].backend == backend], cap))
    axes[0].set_ylim(0, cap * 1.15)
    style.si_axis(axes[0].yaxis)
    for k, ax in enumerate(axes):
        if k % COLUMNS == 0:
            ax.set_ylabel("callbacks queued,\nnot invoked")
        if k >= len(axes) - COLUMNS:
            ax.set_xlabel("time in the window (ms)")
            ax.xaxis.set_tick_params(labelbottom=True)
    title = (f"call_rcu backlog over time, flat out, {style.plural(updaters, 'updater')} "
             f"({placement} placement)")
    note = ("one panel per backend, shared axes; every repetition's series (sampled about every ms); "
            "the workload throttles the updaters at the cap")
    extra = [Line2D([], [], color="#444444", linewidth=0.9, label="one repetition's backlog"), memory.cap_handle()]
    return style.finish(fig, out_dir, f"call_rcu_backlog-updaters{updaters}-{style.slug(placement)}", title, sets,
                        total.backends, note, extra, markers=False, failed=total.failed)


def render(sets, out_dir):
    written = []
    for placement, at, failed in data.by_placement(sets, WORKLOAD, has_backlog, " with a backlog series"):
        for updaters in style.pick_levels([p.params.get("updaters") for _, _, p in at if "updaters" in p.params]):
            match = lambda p, u=updaters: p.params.get("updaters") == u
            written += updaters_figure(sets, out_dir, placement, [f for f in at if match(f[2])],
                                       [f for f in failed if flat_out(f[2]) and match(f[2])], updaters)
    return written
