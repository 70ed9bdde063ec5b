"""The detail view of one project."""

from __future__ import annotations

from portfolio.fields import as_text
from portfolio.vocab import BUILD_TYPE_OC4IDS, KIND_LABELS, STATUS_ENGLISH, unspecified_label


def _division_label(division) -> str:
    if division.level == "prefecture":
        return f"{unspecified_label(division.name)} {division.code}"
    return f"{division.name} {division.code}"


def fields(detail) -> list[tuple[str, str]]:
    p, plan, column, sector = detail.project, detail.plan, detail.column, detail.sector
    rows = [
        ("编号", p.code), ("名称", p.name), ("类型", KIND_LABELS[p.kind]),
        ("县(区)", "、".join(_division_label(d) for d in detail.divisions)), ("层级", p.level),
        ("行业", f"{sector.label_zh} ({sector.code}; OC4IDS {sector.oc4ids})"),
        ("状态", f"{p.status} ({STATUS_ENGLISH[p.status]}) 自 {p.status_date or ''}"),
        ("规划", f"{plan.title} [{plan.key}]"), ("专栏", f"专栏{column.number} {column.title}"),
        ("分项", p.group_label or ""), ("出处", f"{plan.source_file} 第{p.source_line}行"),
        ("原文", p.quote or ""),
    ]
    optional = [
        ("建设性质", p.build_type and f"{p.build_type} ({BUILD_TYPE_OC4IDS[p.build_type]})"),
        ("数量", p.quantity), ("备注", p.note), ("项目代码", p.national_code),
        ("总投资(万元)", p.total_investment), ("建设年限", p.start_year and f"{p.start_year}–{p.end_year or ''}"),
        ("计划开工", p.planned_start), ("计划竣工", p.planned_end), ("实际开工", p.actual_start),
        ("实际竣工", p.actual_end), ("责任单位", p.responsible_unit), ("联系人", p.contact),
        ("种子数据", None if p.in_seeds else "已不在种子文件中 (no longer in the seed files)"),
    ]
    return rows + [(k, as_text(v)) for k, v in optional if v not in (None, "")] + _link_fields(detail.links)


def _items(items) -> str:
    return "；".join(f"{item.code} {item.name}" for item in items)


def _link_fields(links) -> list[tuple[str, str]]:
    """The curated relations: the programme containing this item, its parts, the other listings."""
    rows = []
    if links.programmes:
        rows.append(("所属项目群", _items(links.programmes)))
    if links.parts:
        rows.append((f"组成项目({len(links.parts)})", _items(links.parts)))
    if links.primary:
        rows.append(("同一工程(主条目)", f"{links.primary.code} {links.primary.name}：{links.primary.reason}"))
    if links.other_listings:
        rows.append(("同一工程(另见)", _items(links.other_listings)))
    return rows


def _link_dicts(items) -> list[dict]:
    return [{"code": item.code, "name": item.name, "reason": item.reason} for item in items]


def as_dict(detail) -> dict:
    p = detail.project
    return {
        "code": p.code, "name": p.name, "kind": p.kind,
        "divisions": [{"code": d.code, "name": d.name, "level": d.level} for d in detail.divisions],
        "level": p.level, "quote": p.quote, "sector": p.sector_code, "status": p.status, "status_date": p.status_date,
        "plan": detail.plan.key, "column": detail.column.number, "column_title": detail.column.title,
        "group": p.group_label, "source_file": detail.plan.source_file, "source_line": p.source_line,
        "build_type": p.build_type, "quantity": p.quantity, "note": p.note, "in_seeds": p.in_seeds,
        "national_code": p.national_code, "total_investment": p.total_investment,
        "start_year": p.start_year, "end_year": p.end_year, "responsible_unit": p.responsible_unit,
        "planned_start": p.planned_start, "planned_end": p.planned_end, "actual_start": p.actual_start,
        "actual_end": p.actual_end, "contact": p.contact,
        "part_of": _link_dicts(detail.links.programmes), "parts": _link_dicts(detail.links.parts),
        "same_work_primary": _link_dicts([detail.links.primary])[0] if detail.links.primary else None,
        "other_listings": _link_dicts(detail.links.other_listings),
        "history": [{"date": e.effective_date, "status": e.status, "note": e.note, "origin": e.origin,
                     "recorded_at": e.recorded_at} for e in detail.history],
    }


def print_detail(detail) -> None:
    import sys

    from portfolio.render import Col, render

    render(fields(detail), [Col("field", "字段"), Col("value", "内容")], "table", sys.stdout,
           title=detail.project.code)
    sys.stdout.write("\n")
    render([(e.effective_date, e.status, STATUS_ENGLISH[e.status], e.note) for e in detail.history
            if e.retracted_at is None],
           [Col("effective_date", "日期"), Col("status", "状态"), Col("oc4ids", "OC4IDS"), Col("note", "备注")],
           "table", sys.stdout, title="状态历史 (全部记录: portfolio projects history)")
