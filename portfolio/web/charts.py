"""Server-rendered SVG charts: geometry here, markup in templates/partials/bar_chart.html."""

from __future__ import annotations

from dataclasses import dataclass, field

PALETTE = (
    "#3b6ea5",
    "#e08a2c",
    "#4f9a57",
    "#c8453b",
    "#8464a8",
    "#8c5a45",
    "#cf6fa6",
    "#7a7a7a",
    "#a8a63a",
    "#2fa5b5",
    "#1f4e79",
    "#b06f00",
)
ROW = 22
LABEL_WIDTH = 150
BAR_WIDTH = 520
COUNT_WIDTH = 60


@dataclass
class Segment:
    x: float
    width: float
    color: str
    name: str
    count: int


@dataclass
class Bar:
    label: str
    total: int
    y: int
    segments: list[Segment] = field(default_factory=list)


@dataclass
class BarChart:
    bars: list[Bar]
    legend: list[tuple[str, str]]
    width: int = LABEL_WIDTH + BAR_WIDTH + COUNT_WIDTH
    label_width: int = LABEL_WIDTH
    row: int = ROW

    @property
    def height(self) -> int:
        return len(self.bars) * ROW + 4


def stacked_bars(rows: list[tuple], across: list[str]) -> BarChart:
    """One bar per row (label, *counts, total); one coloured segment per `across` value.

    Rows without `across` values are (label, count).
    """
    names = across or ["项目数"]
    colors = {name: PALETTE[index % len(PALETTE)] for index, name in enumerate(names)}
    top = max((row[-1] for row in rows), default=0) or 1
    bars = []
    for index, row in enumerate(rows):
        label, counts, total = row[0], (row[1:-1] if across else row[1:]), row[-1]
        bar = Bar(str(label), total, index * ROW + 2)
        x = float(LABEL_WIDTH)
        for name, count in zip(names, counts):
            if count:
                width = count / top * BAR_WIDTH
                bar.segments.append(Segment(round(x, 1), round(width, 1), colors[name], name, count))
                x += width
        bars.append(bar)
    return BarChart(bars, list(colors.items()) if across else [])


RATE_COLORS = ("#3b6ea5", "#4f9a57", "#e08a2c", "#8464a8")  # 开工率, 投资完成率, 按期竣工率, 填报率
RATE_BAR = 6  # height of one rate's bar; four per group
RATE_ROW = 4 * RATE_BAR + 10


@dataclass
class RateBar:
    y: float
    width: float  # 0 for a rate that does not apply (nothing due)
    color: str
    name: str
    value: float | None


@dataclass
class RateGroup:
    label: str
    y: int
    bars: list[RateBar]


@dataclass
class RateChart:
    groups: list[RateGroup]
    legend: list[tuple[str, str]]
    width: int = LABEL_WIDTH + BAR_WIDTH + COUNT_WIDTH
    label_width: int = LABEL_WIDTH
    bar_width: int = BAR_WIDTH
    bar: int = RATE_BAR

    @property
    def height(self) -> int:
        return len(self.groups) * RATE_ROW + 4


def rate_bars(rows) -> RateChart:
    """One group per rate row (RateRow of portfolio.reports.lights), one bar per rate on a 0–100 % scale."""
    from portfolio.reports.lights import rate_names

    rates = rate_names()
    legend = [(label, RATE_COLORS[index % len(RATE_COLORS)]) for index, label in enumerate(rates.values())]
    groups = []
    for index, row in enumerate(rows):
        y = index * RATE_ROW + 2
        bars = []
        for offset, ((key, label), (_, color)) in enumerate(zip(rates.items(), legend)):
            value = getattr(row, key)
            width = round(min(value or 0, 100) / 100 * BAR_WIDTH, 1)
            bars.append(RateBar(y + 2 + offset * RATE_BAR, width, color, label, value))
        groups.append(RateGroup(str(row.group_label), y, bars))
    return RateChart(groups, legend)
