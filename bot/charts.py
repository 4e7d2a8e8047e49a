"""The /stats picture: a PNG drawn with matplotlib's headless Agg canvas (call it in a worker thread)."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.storage.types import DailyStats


def stats_png(stats: DailyStats) -> bytes:
    """Three panels over the period: subscribers, articles per day, digest deliveries by outcome."""
    # Figure + FigureCanvasAgg directly: no pyplot, so no global figure registry and no GUI backend.
    figure = Figure(figsize=(8, 7.5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    subs_ax, articles_ax, digests_ax = figure.subplots(3, 1, sharex=True)
    days = stats.days
    subs_ax.plot(days, stats.subscribers, color="#2a6fdb", marker=".")
    subs_ax.set_title("Subscribers (joined, cumulative)")
    articles_ax.bar(days, stats.articles, color="#3aa76d")
    articles_ax.set_title("Articles per day")
    bottom = [0] * len(days)
    for label, values, color in (
        ("sent", stats.sent, "#2a6fdb"),
        ("failed", stats.failed, "#e0a100"),
        ("blocked", stats.blocked, "#d64545"),
        ("skipped", stats.skipped, "#9a9a9a"),
    ):
        digests_ax.bar(days, values, bottom=bottom, label=label, color=color)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    digests_ax.set_title("Digest deliveries per day")
    digests_ax.legend(loc="upper left", fontsize="small")
    for axis in (subs_ax, articles_ax, digests_ax):
        axis.yaxis.get_major_locator().set_params(integer=True)
        axis.grid(axis="y", alpha=0.3)
    digests_ax.tick_params(axis="x", labelrotation=45)
    figure.suptitle(f"Last {len(days)} days ({days[0]:%d %b} – {days[-1]:%d %b %Y}, UTC)")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
