from __future__ import annotations

from pathlib import Path

from rag_coach.progress.plot import topic_chart
from rag_coach.progress.store import TopicStat


def test_chart_renders_png(tmp_path: Path) -> None:
    stats = [
        TopicStat("graphs", "coding", 3, 1.7, "2026-01-01T00:00:00+00:00"),
        TopicStat("trees", "coding", 2, 3.5, "2026-01-02T00:00:00+00:00"),
        TopicStat("caching", "system_design", 1, 4.0, "2026-01-03T00:00:00+00:00"),
    ]
    fig = topic_chart(stats)
    ax = fig.axes[0]
    assert ax.get_xlim() == (1.0, 4.0)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1].startswith("graphs")  # weakest on top
    out = tmp_path / "chart.png"
    fig.savefig(out)
    data = out.read_bytes()
    assert len(data) > 1000 and data.startswith(b"\x89PNG")


def test_empty_chart_renders(tmp_path: Path) -> None:
    out = tmp_path / "empty.png"
    topic_chart([]).savefig(out)
    assert out.stat().st_size > 0
