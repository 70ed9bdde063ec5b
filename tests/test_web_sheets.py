"""Fill-in sheets and retractions on the web, on SQLite and PostgreSQL: an editor downloads its
office's sheet for a period and uploads it back (the same template and import as `report
template` / `report import`); every problem is shown next to its row, a sheet with a row outside
the account's scope is refused whole, and an admin retracts an event from the project page.
Each refusal is shown to write nothing."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

# the web accounts' fixtures and helpers: a site on each engine, accounts, logins, event counts
from test_web_accounts import add, code_in, counts, get, log_in, post, site, token_of  # noqa: F401

PERIOD = "2026-11"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def editor(site):  # noqa: F811
    add(site.engine, "江孜县发改委", "editor", ["江孜"])
    add(site.engine, "规划科", "admin")
    log_in(site, "江孜县发改委")
    return site


def download(client, **params):
    from openpyxl import load_workbook

    response = get(client, "/progress/sheets/download", params={"period": PERIOD, **params})
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == XLSX
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["调度表"]
    header = [cell.value for cell in sheet[2]]
    return workbook, sheet, header


def codes_of(sheet) -> list[str]:
    return [row[0] for row in sheet.iter_rows(min_row=3, values_only=True) if row[0]]


def fill(sheet, header, code: str, **values) -> int:
    for row in range(3, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value == code:
            for name, value in values.items():
                sheet.cell(row=row, column=header.index(name) + 1).value = value
            return row
    raise AssertionError(f"{code} not in the sheet")


def upload(client, workbook, name="江孜调度表.xlsx", period=PERIOD):
    buffer = io.BytesIO()
    workbook.save(buffer)
    token = token_of(client, f"/progress/sheets?period={period}")
    return post(
        client,
        "/progress/sheets",
        data={"period": period, "csrf_token": token},
        files={"file": (name, buffer.getvalue(), XLSX)},
    )


def reports_of(engine, code: str) -> list[tuple]:
    with engine.connect() as connection:
        return connection.execute(
            sa.text(
                "SELECT r.period, r.invest_cumulative, r.actor, r.retracted_at IS NOT NULL FROM period_report r "
                "JOIN project p ON p.id = r.project_id WHERE p.code = :code ORDER BY r.id"
            ),
            {"code": code},
        ).all()


def test_an_editor_downloads_its_sheet_and_uploads_it_back(editor):
    jiangzi, mangkang = code_in(editor.engine, "江孜"), code_in(editor.engine, "芒康")
    page = get(editor, f"/progress/sheets?period={PERIOD}")
    assert page.status_code == 200 and "江孜县" in page.text and 'id="download-sheet"' in page.text
    workbook, sheet, header = download(editor)
    codes = codes_of(sheet)
    assert jiangzi in codes and mangkang not in codes
    xss = "<script>alert('x')</script>"
    fill(sheet, header, jiangzi, **{"本期完成投资(万元)": 40, "累计完成投资(万元)": 40, "形象进度": xss})
    before = counts(editor.engine)
    done = upload(editor, workbook)
    assert done.status_code == 200, done.text[:500]
    assert "已导入 江孜调度表.xlsx：新填报 1 条" in done.text and xss not in done.text
    assert counts(editor.engine)["period_report"] == before["period_report"] + 1
    assert reports_of(editor.engine, jiangzi) == [(PERIOD, 40.0, "account:江孜县发改委", False)]
    again = upload(editor, workbook)
    assert again.status_code == 200 and "没有改动" in again.text
    assert counts(editor.engine)["period_report"] == before["period_report"] + 1
    project = get(editor, f"/projects/{jiangzi}").text
    assert "江孜县发改委 (账户)" in project and "&lt;script&gt;" in project and xss not in project


def test_every_problem_is_shown_next_to_its_row_and_nothing_is_written(editor):
    workbook, sheet, header = download(editor)
    first, second, third = codes_of(sheet)[:3]
    bad_money = fill(sheet, header, first, **{"本期完成投资(万元)": "很多", "累计完成投资(万元)": 10})
    no_date = fill(sheet, header, second, 状态日期=None)
    current = sheet.cell(row=no_date, column=header.index("状态") + 1).value
    fill(sheet, header, second, 状态="暂缓" if current != "暂缓" else "前期")  # a change without its date
    fill(sheet, header, third, **{"累计完成投资(万元)": 30, "本期完成投资(万元)": 30})  # a good row
    before = counts(editor.engine)
    refused = upload(editor, workbook)
    assert refused.status_code == 400
    html = refused.text
    assert "发现 2 处问题；未导入任何数据" in html and "give" not in html
    rows = dict(re.findall(r'<tr data-row="(\d+)">(.*?)</tr>', html, re.DOTALL))
    assert set(rows) == {str(bad_money), str(no_date)}
    assert (
        first in rows[str(bad_money)]
        and "本期完成投资(万元): 本期完成投资(万元) &#39;很多&#39; 有误：请给出以万元计的数字" in rows[str(bad_money)]
    )
    assert second in rows[str(no_date)] and "状态日期: 未填写；请填写状态变为" in rows[str(no_date)]
    assert counts(editor.engine) == before
    assert reports_of(editor.engine, third) == []


def test_a_file_that_is_no_workbook_is_named_as_uploaded(editor):
    token = token_of(editor, f"/progress/sheets?period={PERIOD}")
    before = counts(editor.engine)
    refused = post(
        editor,
        "/progress/sheets",
        data={"period": PERIOD, "csrf_token": token},
        files={"file": ("江孜调度表.xlsx", b"PK\x03\x04 not a workbook", XLSX)},
    )
    assert refused.status_code == 400
    assert "江孜调度表.xlsx: 不是可读取的 .xlsx 工作簿" in refused.text
    assert "/tmp" not in refused.text and "tmp" not in re.sub(r"<[^>]+>", "", refused.text)
    assert counts(editor.engine) == before


def test_a_sheet_mixing_counties_is_refused_whole_naming_the_rows(editor):
    mangkang = code_in(editor.engine, "芒康")
    editor.cookies.clear()
    log_in(editor, "规划科")
    _, admin_sheet, _ = download(editor, county="芒康")
    assert mangkang in codes_of(admin_sheet)
    editor.cookies.clear()
    log_in(editor, "江孜县发改委")
    workbook, sheet, header = download(editor)
    jiangzi = codes_of(sheet)[0]
    fill(sheet, header, jiangzi, **{"累计完成投资(万元)": 20, "本期完成投资(万元)": 20})
    added = sheet.max_row + 1
    sheet.cell(row=added, column=1).value = mangkang
    sheet.cell(row=added, column=header.index("累计完成投资(万元)") + 1).value = 20
    before = counts(editor.engine)
    refused = upload(editor, workbook, name="mixed.xlsx")
    assert refused.status_code == 403
    assert "整表未导入" in refused.text
    assert f"无权填报 mixed.xlsx:调度表:{added} {mangkang}：超出其填报范围；未写入任何数据" in refused.text
    assert counts(editor.engine) == before
    assert reports_of(editor.engine, jiangzi) == [] and reports_of(editor.engine, mangkang) == []


def test_viewers_and_visitors_get_no_sheet(editor):
    add(editor.engine, "查看者乙", "viewer")
    editor.cookies.clear()
    assert get(editor, "/progress/sheets").status_code == 303
    assert get(editor, "/progress/sheets/download", params={"period": PERIOD}).status_code == 401
    log_in(editor, "查看者乙")
    refused = get(editor, "/progress/sheets")
    assert refused.status_code == 403 and "是查看者：只能查看，不能填报" in refused.text


def test_an_admin_retracts_an_event_from_the_project_page_and_an_editor_cannot_outside_its_scope(editor):
    mangkang = code_in(editor.engine, "芒康")
    editor.cookies.clear()
    log_in(editor, "规划科")
    token = token_of(editor, f"/projects/{mangkang}/edit")
    recorded = post(
        editor,
        f"/projects/{mangkang}/report",
        data={"period": PERIOD, "invest_period": "70", "invest_cumulative": "70", "csrf_token": token},
    )
    assert recorded.status_code == 303
    page = get(editor, f"/projects/{mangkang}").text
    event = re.search(r'data-event="(R\d+)"', page).group(1)
    assert f"/projects/{mangkang}/events/{event}/retract" in page
    editor.cookies.clear()
    log_in(editor, "江孜县发改委")
    assert f"/events/{event}/retract" not in get(editor, f"/projects/{mangkang}").text
    token = token_of(editor, f"/projects/{code_in(editor.engine, '江孜')}/edit")
    before = counts(editor.engine)
    refused = post(editor, f"/projects/{mangkang}/events/{event}/retract", data={"note": "错报", "csrf_token": token})
    assert refused.status_code == 403 and f"无权填报 {mangkang}：超出其填报范围" in refused.text
    assert not reports_of(editor.engine, mangkang)[-1][3] and counts(editor.engine) == before
    editor.cookies.clear()
    log_in(editor, "规划科")
    token = token_of(editor, f"/projects/{mangkang}")
    no_note = post(editor, f"/projects/{mangkang}/events/{event}/retract", data={"note": " ", "csrf_token": token})
    assert no_note.status_code == 400 and "请说明撤销原因" in no_note.text
    done = post(
        editor, f"/projects/{mangkang}/events/{event}/retract", data={"note": "<b>错报</b>", "csrf_token": token}
    )
    assert done.status_code == 303
    assert reports_of(editor.engine, mangkang)[-1] == (PERIOD, 70.0, "account:规划科", True)
    page = get(editor, f"/projects/{mangkang}?saved=retract").text
    row = re.search(rf'<tr class="retracted" data-event="{event}">(.*?)</tr>', page, re.DOTALL).group(1)
    assert "<del>" in row and "&lt;b&gt;错报&lt;/b&gt;" in row and "规划科" in row and "已撤销该记录" in page
