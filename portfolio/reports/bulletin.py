"""The 通报 workbook: one sheet per breakdown with a native Excel bar chart, and the lights list."""

from __future__ import annotations

from pathlib import Path

from portfolio.render import xlsx_row
from portfolio.reports.lights import BREAKDOWNS, RATE_FIELDS, LightRow, RateRow, rate_labels
from portfolio.reports.periods import Period
from portfolio.rows import brief_columns, row_columns

LIGHT_COLUMN = 1 + [c.key for c in row_columns(LightRow)].index("light")  # the cell coloured red or yellow


def write_bulletin(
    path: Path, period: Period, breakdowns: dict[str, list[RateRow]], light_rows: list[LightRow]
) -> None:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for by, rows in breakdowns.items():
        sheet = workbook.create_sheet(f"按{BREAKDOWNS[by]}")
        sheet.append([f"{period} 重点项目调度通报：按{BREAKDOWNS[by]}"])
        sheet["A1"].font = Font(bold=True, size=13)
        columns = brief_columns(RateRow, rate_labels(by))
        sheet.append([c.label for c in columns])
        for cell in sheet[2]:
            cell.font = bold
        for row in rows:
            sheet.append(xlsx_row(sheet, [getattr(row, c.key) for c in columns]))
        sheet.column_dimensions["A"].width = 22
        for letter in "BCDEFGH":
            sheet.column_dimensions[letter].width = 13
        groups = len([r for r in rows if not r.is_total])
        if groups:
            chart = BarChart()
            chart.type = "bar"
            chart.title = f"{period} 按{BREAKDOWNS[by]}：开工率、投资完成率、按期竣工率、填报率"
            chart.y_axis.title = "%"
            chart.x_axis.title = BREAKDOWNS[by]
            keys = [c.key for c in columns]
            first, last = (1 + keys.index(key) for key in (RATE_FIELDS[0], RATE_FIELDS[-1]))  # the rates' cells
            data = Reference(sheet, min_col=first, max_col=last, min_row=2, max_row=2 + groups)
            categories = Reference(sheet, min_col=1, min_row=3, max_row=2 + groups)
            chart.add_data(data, titles_from_data=True)
            chart.set_categories(categories)
            chart.height, chart.width = max(8, groups * 0.9), 22
            sheet.add_chart(chart, "J2")
    sheet = workbook.create_sheet("预警")
    light_columns = row_columns(LightRow)
    sheet.append([c.label for c in light_columns])
    for cell in sheet[1]:
        cell.font = bold
    fills = {"红": PatternFill("solid", fgColor="F8CBAD"), "黄": PatternFill("solid", fgColor="FFE699")}
    for light_row in light_rows:
        sheet.append(xlsx_row(sheet, [getattr(light_row, c.key) for c in light_columns]))
        if light_row.light in fills:
            sheet.cell(row=sheet.max_row, column=LIGHT_COLUMN).fill = fills[light_row.light]
    for letter, width in zip("ABCDEF", (14, 36, 18, 8, 6, 90)):
        sheet.column_dimensions[letter].width = width
    workbook.save(path)
