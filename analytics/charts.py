"""Charts as server-rendered SVG: the numbers become coordinates here, the templates draw them.

No script and no third-party host: they render under the site's CSP and in any browser,
and each chart has its figures in words for screen readers (its ``label``).
"""

from dataclasses import dataclass, field

from analytics.health import AT_RISK, CLOSED, HEALTH_LABELS, ON_TRACK, STALLED

WIDTH = 640


def _nice_max(value: int) -> int:
    """A round top for an axis, at least ``value``: 1, 2, 5, 10, 20, 50, 100..."""
    top = 1
    while top < value:
        top = next((top * step for step in (2, 5) if top * step >= value), top * 10)
    return top


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int
    title: str
    tone: str = ""


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    label: str = ""
    empty: bool = False
    zero_x: float = 0.0


def _ticks(peak: int) -> list[int]:
    """Whole numbers from 0 to ``peak`` (a _nice_max), evenly spaced: 0 1 2, 0 5 10, 0 25 50."""
    step = peak // 2 if peak % 2 == 0 else max(peak // 5, 1)
    return list(range(0, peak + 1, step))


def weekly_bars(weeks: list, *, width: int = 1000, height: int = 210) -> Chart:
    """Buyer visits per week, oldest on the left. A phone gets a narrow one (``width`` about
    its own), drawn 1:1 so that its labels keep their size."""
    top, bottom, left = 16, 28, 36
    plot_h = height - top - bottom
    peak = _nice_max(max((w.visits for w in weeks), default=0))
    slot = (width - left) / max(len(weeks), 1)
    chart = Chart(width, height, empty=not any(w.visits for w in weeks))
    for i, week in enumerate(weeks):
        h = plot_h * week.visits / peak
        chart.bars.append(
            Bar(
                x=left + i * slot + slot * 0.18,
                y=top + plot_h - h,
                width=slot * 0.64,
                height=h,
                label=week.start.strftime("%-d %b"),
                value=week.visits,
                title=f"Week of {week.start:%-d %b}: {week.visits} buyer visits",
            )
        )
    # Each gridline is drawn at the value its label names.
    chart.ticks = [(top + plot_h - plot_h * v / peak, str(v)) for v in _ticks(peak)]
    chart.label = "Buyer visits per week: " + ", ".join(
        f"{w.start:%-d %b} {w.visits}" for w in weeks
    )
    return chart


HEALTH_TONES = {ON_TRACK: "success", AT_RISK: "warning", STALLED: "danger", CLOSED: "muted"}


def health_bar(counts: dict[str, int]) -> Chart:
    """How many rooms are in each state, as one stacked bar."""
    total = sum(counts.values())
    chart = Chart(WIDTH, 36, empty=not total)
    x = 0.0
    for state in (ON_TRACK, AT_RISK, STALLED, CLOSED):
        n = counts.get(state, 0)
        if not n:
            continue
        w = WIDTH * n / total
        label = HEALTH_LABELS[state]
        chart.bars.append(
            Bar(
                x,
                0,
                w,
                36,
                label,
                n,
                f"{label}: {n} room{'s' if n != 1 else ''}",
                HEALTH_TONES[state],
            )
        )
        x += w
    chart.label = "Rooms by health: " + ", ".join(f"{b.label} {b.value}" for b in chart.bars)
    return chart


SLIP_ROOMS = 12
SLIP_WIDTH = 440


def slip_bars(rows: list) -> Chart:
    """Forecast minus target date per room, most late first (rooms with a forecast only)."""
    with_forecast = [
        r
        for r in rows
        if r.health.forecast.slip_days is not None and not r.health.forecast.complete
    ]
    with_forecast.sort(key=lambda r: -(r.health.forecast.slip_days or 0))
    shown = with_forecast[:SLIP_ROOMS]
    width, row_h, left, right = SLIP_WIDTH, 26, 150, 56
    chart = Chart(width, max(row_h * len(shown), row_h), empty=not shown)
    reach = max((abs(r.health.forecast.slip_days) for r in shown), default=1) or 1
    plot_w = width - left - right
    has_negative = any(r.health.forecast.slip_days < 0 for r in shown)
    zero = left + (plot_w / 2 if has_negative else 0)
    scale = (plot_w / 2 if has_negative else plot_w) / reach
    chart.zero_x = zero
    for i, row in enumerate(shown):
        slip = row.health.forecast.slip_days
        w = abs(slip) * scale
        late = slip > 0
        days = f"{abs(slip)} day{'s' if abs(slip) != 1 else ''} {'late' if late else 'early'}"
        chart.bars.append(
            Bar(
                x=zero if slip >= 0 else zero - w,
                y=i * row_h + 5,
                width=max(w, 2),
                height=row_h - 10,
                label=row.room.buyer_company,
                value=slip,
                title=f"{row.room.buyer_company}: forecast {days}",
                tone="danger" if late else "success",
            )
        )
    chart.label = "Forecast against target: " + ", ".join(b.title for b in chart.bars)
    return chart


def sparkline(values: list[int], width: int = 150, height: int = 32) -> Chart:
    """Visits per day as thin bars."""
    peak = max(values, default=0) or 1
    slot = width / max(len(values), 1)
    chart = Chart(width, height, empty=not any(values))
    for i, v in enumerate(values):
        h = (height - 2) * v / peak
        chart.bars.append(Bar(i * slot + 0.5, height - h, max(slot - 1, 1), h, "", v, str(v)))
    chart.label = f"{sum(values)} visits over {len(values)} days"
    return chart
