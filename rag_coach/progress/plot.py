"""A horizontal bar chart of mean score per topic, drawn with matplotlib's Agg backend (no display needed).

The figure is built with ``matplotlib.figure.Figure`` rather than pyplot, so nothing global is touched
and charts can be drawn from several threads. matplotlib is imported on first use only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rag_coach.progress.store import TopicStat

if TYPE_CHECKING:
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

_WEAK, _MID, _STRONG = "#d9534f", "#f0ad4e", "#5cb85c"


def _colour(mean: float) -> str:
    return _WEAK if mean < 2 else _MID if mean < 3 else _STRONG


def topic_chart(stats: Sequence[TopicStat], title: str = "Mean score per topic") -> Figure:
    """One bar per (topic, round), weakest at the top, on a 1–4 axis; labels show mean and attempt count."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ordered = sorted(stats, key=lambda s: (s.mean_overall, s.attempts), reverse=True)
    rounds = {s.round for s in ordered}
    labels = [
        s.topic.replace("_", " ") + (f" ({s.round.replace('_', ' ')})" if len(rounds) > 1 else "") for s in ordered
    ]
    fig = Figure(figsize=(7.0, max(2.0, 0.45 * len(ordered) + 1.2)), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_xlim(1, 4)
    ax.set_xticks([1, 2, 3, 4])
    ax.set_xlabel("Mean overall score (1–4)")
    ax.set_title(title)
    if not ordered:
        ax.set_yticks([])
        ax.text(2.5, 0.5, "No finished interviews yet", ha="center", va="center", transform=ax.transData)
        ax.set_ylim(0, 1)
        return fig
    positions = list(range(len(ordered)))
    # Bars start at 1 (the lowest score) so a mean of 1 reads as an empty bar.
    widths = [s.mean_overall - 1 for s in ordered]
    ax.barh(positions, widths, left=1, color=[_colour(s.mean_overall) for s in ordered])
    ax.set_yticks(positions, labels)
    for pos, stat in zip(positions, ordered, strict=True):
        n = "attempt" if stat.attempts == 1 else "attempts"
        ax.text(min(stat.mean_overall, 3.35) + 0.04, pos, f"{stat.mean_overall:.1f} ({stat.attempts} {n})",
                va="center", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    logger.debug("drew topic chart with %d bars", len(ordered))
    return fig
