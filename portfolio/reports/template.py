"""The fill-in sheet an office receives for a period (openpyxl).

One row per project of the office with its current values. 编号, 名称 and 县(区) are locked;
状态 has a drop-down, money columns accept numbers ≥ 0 only, dates are real date cells. The
period, office and template version are stored in the workbook (custom properties and the
title row, which survives a copy to .xls or text), so the import knows what it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING

import sqlalchemy as sa

from portfolio.models import STATUSES, AnnualPlan, PeriodReport, Project, ProjectDivision
from portfolio.render import xlsx_row
from portfolio.reports.periods import Offices, Period
from portfolio.vocab import Status

if TYPE_CHECKING:
    from sqlmodel import Session

TEMPLATE_VERSION = 1
SHEET_TITLE = "调度表"
NO_REPORT_STATUSES = (
    Status.COMPLETION.value,
    Status.CANCELLED.value,
)  # finished or cancelled projects are not sent a row


@dataclass(frozen=True)
class TemplateColumn:
    key: str
    header: str
    width: int
    kind: str = "text"  # text | money | date | month | status
    locked: bool = False


def columns(period: Period) -> list[TemplateColumn]:
    return [
        TemplateColumn("code", "编号", 14, locked=True),
        TemplateColumn("name", "名称", 36, locked=True),
        TemplateColumn("county", "县(区)", 14, locked=True),
        TemplateColumn("national_code", "项目代码", 26),
        TemplateColumn("status", "状态", 8, "status"),
        TemplateColumn("status_date", "状态日期", 12, "date"),
        TemplateColumn("invest_period", "本期完成投资(万元)", 12, "money"),
        TemplateColumn("invest_cumulative", "累计完成投资(万元)", 12, "money"),
        TemplateColumn("progress", "形象进度", 30),
        TemplateColumn("problems", "存在问题", 30),
        TemplateColumn("total_investment", "总投资(万元)", 12, "money"),
        TemplateColumn("annual_plan", f"{period.year}年度计划投资(万元)", 14, "money"),
        TemplateColumn("planned_start", "计划开工", 10, "month"),
        TemplateColumn("planned_end", "计划竣工", 10, "month"),
        TemplateColumn("actual_start", "实际开工", 10, "month"),
        TemplateColumn("actual_end", "实际竣工", 10, "month"),
        TemplateColumn("responsible_unit", "责任单位", 18),
        TemplateColumn("contact", "联系人", 10),
        TemplateColumn("note", "备注", 20),
    ]


def template_rows(session: Session, period: Period, office_codes: list[str] | None) -> list[dict]:
    """The rows of a template: projects whose office is one of `office_codes` (None: all)."""
    offices = Offices(session)
    statement = sa.select(Project.id).where(Project.status.not_in(NO_REPORT_STATUSES))
    if office_codes is not None:
        below = {code for code in offices.divisions if set(offices.chain(code)) & set(office_codes)}
        statement = statement.where(
            Project.id.in_(
                sa.select(ProjectDivision.project_id).where(ProjectDivision.division_code.in_(sorted(below)))
            )
        )
    ids = list(session.execute(statement).scalars())
    office_of = offices.of_projects(ids)
    if office_codes is not None:
        ids = [i for i in ids if office_of.get(i) in office_codes]
    return _values(session, ids, office_of, offices, period)


def _values(
    session: Session, ids: list[int], office_of: dict[int, str], offices: Offices, period: Period
) -> list[dict]:
    from portfolio.queries import county_names

    rows = []
    dialect = session.get_bind().dialect.name
    for start in range(0, len(ids), 900):
        part = ids[start : start + 900]
        plans = dict(
            session.execute(
                sa.select(AnnualPlan.project_id, AnnualPlan.amount).where(
                    AnnualPlan.project_id.in_(part), AnnualPlan.year == period.year
                )
            ).all()
        )
        reports = {
            r.project_id: r
            for r in session.execute(
                sa.select(PeriodReport).where(
                    PeriodReport.project_id.in_(part),
                    PeriodReport.period == str(period),
                    PeriodReport.retracted_at.is_(None),
                )
            ).scalars()
        }
        statement = sa.select(Project, county_names(dialect).label("counties")).where(Project.id.in_(part))
        for project, counties in session.execute(statement):
            report = reports.get(project.id)
            rows.append(
                {
                    "code": project.code,
                    "name": project.name,
                    "county": counties or "",
                    "office": offices.office(office_of[project.id]).label if project.id in office_of else "",
                    "national_code": project.national_code,
                    "status": project.status,
                    "status_date": project.status_date,
                    "invest_period": report.invest_period if report else None,
                    "invest_cumulative": report.invest_cumulative if report else None,
                    "progress": report.progress if report else None,
                    "problems": report.problems if report else None,
                    "total_investment": project.total_investment,
                    "annual_plan": plans.get(project.id),
                    "planned_start": project.planned_start,
                    "planned_end": project.planned_end,
                    "actual_start": project.actual_start,
                    "actual_end": project.actual_end,
                    "responsible_unit": project.responsible_unit,
                    "contact": project.contact,
                    "note": None,
                }
            )
    return sorted(rows, key=lambda row: row["code"])


def office_label(session: Session, codes: list[str] | None) -> str:
    """How a sheet names its offices: 全部, 江孜县, or 江孜县、白朗县、康马县等5个单位."""
    if codes is None:
        return "全部"
    offices = Offices(session)
    if len(codes) > 3:
        return "、".join(offices.office(c).label for c in codes[:3]) + f"等{len(codes)}个单位"
    return "、".join(offices.office(c).label for c in codes)


def write_sheet(session: Session, target, period: Period, office_codes: list[str] | None) -> int:
    """The fill-in sheet of these offices (None: every office) for a period, written to a path or a
    binary file; the number of project rows."""
    rows = template_rows(session, period, office_codes)
    write_workbook(target, period, office_label(session, office_codes), office_codes, rows)
    return len(rows)


def title_text(period: Period, office_label: str, office_codes: str) -> str:
    return (
        f"{office_label} 重点项目调度表　报告期：{period}　填报单位：{office_label}({office_codes})　"
        f"模板版本：{TEMPLATE_VERSION}"
    )


def write_workbook(
    path: Path | IO[bytes], period: Period, office_label: str, office_codes: list[str] | None, rows: list[dict]
) -> None:
    from openpyxl import Workbook
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    spec = columns(period)
    codes_text = ",".join(office_codes) if office_codes else "全部"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append([title_text(period, office_label, codes_text)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(spec))
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([c.header for c in spec])
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(spec, start=1):
        cell = sheet.cell(row=2, column=index)
        cell.font, cell.fill = Font(bold=True), header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for row in rows:
        sheet.append(xlsx_row(sheet, [_cell_value(column, row.get(column.key)) for column in spec]))
    last = max(sheet.max_row, 3)
    locked_fill = PatternFill("solid", fgColor="F2F2F2")
    for index, column in enumerate(spec, start=1):
        letter = get_column_letter(index)
        for (cell,) in sheet.iter_rows(min_row=3, max_row=last + 200, min_col=index, max_col=index):
            cell.protection = Protection(locked=column.locked)
            if column.locked:
                cell.fill = locked_fill
            if column.kind == "date":
                cell.number_format = "yyyy-mm-dd"
            elif column.kind == "month":
                cell.number_format = "yyyy-mm"
            elif column.kind == "money":
                cell.number_format = "#,##0.00"
        _validation(sheet, column, f"{letter}3:{letter}{last + 200}", DataValidation)
    sheet.freeze_panes = "C3"
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    _explanation(workbook.create_sheet("填报说明"), period, office_label)
    for name, value in (
        ("portfolio.period", str(period)),
        ("portfolio.office", codes_text),
        ("portfolio.template", str(TEMPLATE_VERSION)),
    ):
        workbook.custom_doc_props.append(StringProperty(name=name, value=value))
    workbook.save(path)


def _cell_value(column: TemplateColumn, value):
    if value is None:
        return None
    if column.kind == "month":
        year, month = str(value).split("-")
        return date(int(year), int(month), 1)
    return value


def _validation(sheet, column: TemplateColumn, cells: str, DataValidation) -> None:
    if column.kind == "status":
        rule = DataValidation(
            type="list",
            formula1='"' + ",".join(STATUSES) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="状态",
            error="请从下拉列表选择：" + "、".join(STATUSES),
        )
    elif column.kind == "money":
        rule = DataValidation(
            type="decimal",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="金额",
            error="请填写不小于 0 的数字（万元）",
        )
    elif column.kind in ("date", "month"):
        rule = DataValidation(
            type="date",
            operator="greaterThan",
            formula1="36526",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="日期",
            error="请填写日期，如 2026-11-15",
        )
    else:
        return
    sheet.add_data_validation(rule)
    rule.add(cells)


EXPLANATION = [
    ("报告期", "{period}（每月填报一次，填写截至本月底的情况）"),
    ("填报单位", "{office}"),
    ("编号、名称、县(区)", "由系统生成，已锁定，请勿修改。"),
    ("状态", "从下拉列表选择：谋划、前期、在建、建成、暂缓、取消。状态变化时须同时填写“状态日期”。"),
    ("状态日期", "状态发生变化的日期（日期格式，如 2026-11-15）。不能空着，也不能用公式。"),
    ("本期完成投资(万元)", "本报告期（本月）完成的投资，单位万元，填数字。"),
    ("累计完成投资(万元)", "自开工以来累计完成的投资，单位万元。不得小于上期累计，应等于上期累计加本期完成。"),
    ("形象进度、存在问题", "文字说明。"),
    ("总投资、年度计划投资", "单位万元。累计完成投资超过总投资时系统会提示核实。"),
    ("计划/实际开工、竣工", "填年月（日期格式，如 2026-03）。"),
    ("项目代码", "全国投资项目在线审批监管平台赋予的24位项目代码（GB/T 40058-2021），如 2021-540222-48-01-000001。"),
    ("提交", "填好后原样发回（可另存为 .xls）。同一报告期再次发送更正后的表格，以新表为准，旧数据保留为已撤销记录。"),
]


def _explanation(sheet, period: Period, office_label: str) -> None:
    from openpyxl.styles import Alignment, Font

    sheet.append(["项目", "说明"])
    sheet["A1"].font = sheet["B1"].font = Font(bold=True)
    for item, text in EXPLANATION:
        sheet.append([item, text.format(period=period, office=office_label)])
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 90
    for (cell,) in sheet.iter_rows(min_row=2, min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True)
