"""The feedback log for the instructor area: per-day counts, the questions most often refused,
two small plots and a CSV export, on top of `qa.web.feedback.summarize` (what `qa feedback` prints).

The questions most often refused are the gaps in the readings: students asked, the assistant
found nothing to quote. The plots are inline SVG drawn here (no plotting library, so the page
stays light and the figures need no network). The trade-off: days are the log's own calendar
dates (the server's time zone), and the plots show the last 60 days at most.
"""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from dataclasses import dataclass

from .feedback import FeedbackSummary, summarize

__all__ = [
    "DayCount",
    "FeedbackReport",
    "feedback_report",
    "records_csv",
    "per_day_svg",
    "CSV_FIELDS",
]

CSV_FIELDS = ("time", "kind", "question", "abstained", "vote", "comment", "doc", "passage_ids")
MAX_DAYS_PLOTTED = 60


@dataclass(frozen=True)
class DayCount:
    """Questions asked on one day and how many were refused."""

    day: str
    questions: int
    refused: int

    @property
    def share_refused(self) -> float:
        return self.refused / self.questions if self.questions else 0.0


@dataclass(frozen=True)
class FeedbackReport:
    """The summary of `qa feedback` with the per-day counts and the most refused questions."""

    summary: FeedbackSummary
    days: tuple[DayCount, ...]
    most_refused: tuple[tuple[str, int], ...]

    def to_json(self) -> dict:
        return {
            **self.summary.to_json(),
            "per_day": [
                {"day": d.day, "questions": d.questions, "refused": d.refused} for d in self.days
            ],
            "most_refused": [{"question": q, "count": n} for q, n in self.most_refused],
        }


def _key(question: object) -> str:
    return " ".join(str(question).lower().split())


def feedback_report(records: list[dict], top: int = 10, skipped_lines: int = 0) -> FeedbackReport:
    """Summarise a log's records.

    Example:
    [{"kind": "question", "question": "Q", "abstained": True, "time": "2026-12-01T10:00:00"}]
    -> days (DayCount("2026-12-01", 1, 1),), most_refused (("Q", 1),)
    """
    asked = [r for r in records if r.get("kind") == "question"]
    per_day: dict[str, list[int]] = {}
    for r in asked:
        day = str(r.get("time", ""))[:10] or "unknown"
        counts = per_day.setdefault(day, [0, 0])
        counts[0] += 1
        counts[1] += bool(r.get("abstained"))
    refused = Counter(_key(r.get("question", "")) for r in asked if r.get("abstained"))
    shown: dict[str, str] = {}
    for r in asked:
        shown.setdefault(_key(r.get("question", "")), str(r.get("question", "")))
    return FeedbackReport(
        summary=summarize(records, top=top, skipped_lines=skipped_lines),
        days=tuple(DayCount(d, q, n) for d, (q, n) in sorted(per_day.items())),
        most_refused=tuple((shown[k], n) for k, n in refused.most_common(top)),
    )


def records_csv(records: list[dict]) -> str:
    """The log as CSV, one row per record (passage ids joined by '|').

    Example: [{"kind": "vote", "question": "Q", "vote": "down"}]
    -> 'time,kind,question,...\\r\\n,vote,Q,,down,,,\\r\\n'
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    for r in records:
        row = []
        for name in CSV_FIELDS:
            value = r.get(name)
            if name == "passage_ids":
                value = "|".join(str(v) for v in value) if isinstance(value, list) else ""
            text = "" if value is None else str(value)
            # A cell a spreadsheet would run as a formula is written as text.
            row.append("'" + text if text[:1] in ("=", "+", "-", "@") else text)
        writer.writerow(row)
    return out.getvalue()


def per_day_svg(days: tuple[DayCount, ...], share: bool = False) -> str:
    """A bar chart of questions per day (or of the share refused per day) as an SVG document."""
    days = days[-MAX_DAYS_PLOTTED:]
    width, height, left, bottom, top = 560, 220, 44, 40, 24
    title = "Share of questions refused per day" if share else "Questions per day"
    values = [d.share_refused if share else float(d.questions) for d in days]
    most = 1.0 if share else max(values, default=0.0) or 1.0
    plot_w, plot_h = width - left - 12, height - bottom - top
    bar = plot_w / max(1, len(days))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'font-family="system-ui, sans-serif" font-size="11"><title>{html.escape(title)}</title>',
        f'<text x="{left}" y="14" font-size="13" font-weight="600">{html.escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#6b7280"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">'
        f"{'100%' if share else int(most)}</text>",
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>',
    ]
    if not days:
        parts.append(
            f'<text x="{left + 8}" y="{top + plot_h / 2}">No questions in the log yet.</text>'
        )
    for i, (day, value) in enumerate(zip(days, values, strict=True)):
        h = plot_h * value / most
        x = left + i * bar + bar * 0.15
        label = (
            f"{day.day}: {value:.0%} refused" if share else f"{day.day}: {day.questions} questions"
        )
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar * 0.7:.1f}" '
            f'height="{h:.1f}" '
            f'fill="{"#d97706" if share else "#2563eb"}"><title>{html.escape(label)}</title></rect>'
        )
    step = max(1, len(days) // 6)
    for i in range(0, len(days), step):
        x = left + i * bar + bar / 2
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
            f"{days[i].day[5:]}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
