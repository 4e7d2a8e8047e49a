"""The /stats picture: a PNG drawn with matplotlib's headless Agg canvas (call it in a worker thread),
labelled in the editor's language (titles, legend and the dates under the bars)."""

from __future__ import annotations

import io
from datetime import datetime

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import num2date
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from bot.i18n.translator import Translator, source_translator
from bot.storage.types import DailyStats


def stats_png(stats: DailyStats, t: Translator | None = None) -> bytes:
    """Three panels over the period: subscribers, articles per day, digest deliveries by outcome."""
    buffer = io.BytesIO()
    stats_figure(stats, t or source_translator()).savefig(buffer, format="png")
    return buffer.getvalue()


def stats_figure(stats: DailyStats, t: Translator) -> Figure:
    """The chart of `stats_png`, labelled in `t`'s language."""
    # Figure + FigureCanvasAgg directly: no pyplot, so no global figure registry and no GUI backend.
    figure = Figure(figsize=(8, 7.5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    subs_ax, articles_ax, digests_ax = figure.subplots(3, 1, sharex=True)
    days = stats.days
    subs_ax.plot(days, stats.subscribers, color="#2a6fdb", marker=".")
    subs_ax.set_title(t("Subscribers (joined, cumulative)"))
    articles_ax.bar(days, stats.articles, color="#3aa76d")
    articles_ax.set_title(t("Articles per day"))
    bottom = [0] * len(days)
    for label, values, color in (
        (t("sent"), stats.sent, "#2a6fdb"),
        (t("failed"), stats.failed, "#e0a100"),
        (t("blocked"), stats.blocked, "#d64545"),
        (t("skipped"), stats.skipped, "#9a9a9a"),
    ):
        digests_ax.bar(days, values, bottom=bottom, label=label, color=color)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    digests_ax.set_title(t("Digest deliveries per day"))
    digests_ax.legend(loc="upper left", fontsize="small")
    for axis in (subs_ax, articles_ax, digests_ax):
        axis.yaxis.get_major_locator().set_params(integer=True)
        axis.grid(axis="y", alpha=0.3)
    digests_ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _tick(t, x)))
    digests_ax.tick_params(axis="x", labelrotation=45)
    figure.suptitle(
        t.plural(
            "Last {count} day ({first} – {last}, UTC)",
            "Last {count} days ({first} – {last}, UTC)",
            len(days),
            first=t.short_date(days[0], with_year=False),
            last=t.short_date(days[-1], with_year=True),
        )
    )
    return figure


def _tick(t: Translator, value: float) -> str:
    """A date under the bars (matplotlib's day number): day and month the reader's way ("28 Nov")."""
    moment: datetime = num2date(value)  # type: ignore[no-untyped-call]
    return t.short_date(moment.date(), with_year=False)
