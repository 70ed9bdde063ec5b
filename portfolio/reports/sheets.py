"""Reading report sheets as offices really send them.

.xlsx (openpyxl), .xls (xlrd), .csv/.tsv/.txt in UTF-8, UTF-8 with BOM, GBK or UTF-16 (Excel's
"Unicode text"). The header row is found, not assumed: a merged title row or a two-row header
above the column names is skipped or combined; a 说明 sheet before the data is passed over.
Cells keep their types (numbers, dates) so Excel serial dates and formulas can be told apart.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

from portfolio.errors import DataError

HEADER_SCAN_ROWS = 15
SUPPORTED = (".xlsx", ".xlsm", ".xls", ".csv", ".tsv", ".txt")
EXPLANATION_SHEETS = ("说明", "填报说明", "readme")

# Normalised header text -> column key. Several spellings offices use for each column.
_ALIASES = {
    "code": ("编号", "项目编号", "code"),
    "national_code": ("项目代码", "国家项目代码", "全国投资项目代码", "投资项目代码", "national_code"),
    "name": ("名称", "项目名称", "name"),
    "county": ("县(区)", "县区", "所在县(区)", "所在县区", "counties"),
    "status": ("状态", "项目状态", "建设状态", "status"),
    "status_date": ("状态日期", "日期", "生效日期", "date", "status_date"),
    "note": ("备注", "note"),
    "invest_period": (
        "本期完成投资(万元)",
        "本期完成投资",
        "本月完成投资(万元)",
        "本月完成投资",
        "本期",
        "本期完成",
        "本月",
    ),
    "invest_cumulative": (
        "累计完成投资(万元)",
        "累计完成投资",
        "开工累计完成投资(万元)",
        "开工以来累计完成投资(万元)",
        "累计",
        "累计完成",
    ),
    "progress": ("形象进度", "工程形象进度", "形象进度(文字)"),
    "problems": ("存在问题", "存在的问题", "问题"),
    "total_investment": ("总投资(万元)", "总投资", "计划总投资(万元)", "计划总投资"),
    "annual_plan": ("年度计划投资(万元)", "年度计划投资", "年度计划(万元)"),
    "planned_start": ("计划开工", "计划开工时间", "计划开工年月"),
    "planned_end": ("计划竣工", "计划竣工时间", "计划竣工年月"),
    "actual_start": ("实际开工", "实际开工时间", "实际开工年月"),
    "actual_end": ("实际竣工", "实际竣工时间", "实际竣工年月"),
    "responsible_unit": ("责任单位", "项目责任单位"),
    "contact": ("联系人", "项目联系人"),
}
_BY_ALIAS = {alias: key for key, aliases in _ALIASES.items() for alias in aliases}
_ANNUAL = re.compile(r"^(\d{4})年度?计划(完成)?投资(\(万元\))?$")
_PERIOD_TEXT = re.compile(r"报告期[:：]\s*(\d{4}-\d{2})")
_OFFICE_TEXT = re.compile(r"填报单位[:：]\s*[^()（）\s]*[(（](\d{6})[)）]")
_VERSION_TEXT = re.compile(r"模板版本[:：]\s*(\d+)")


def normalise_header(value) -> str:
    text = "" if value is None else str(value)
    text = text.replace("（", "(").replace("）", ")").replace("*", "").replace("＊", "")
    return "".join(text.split()).lower()


def column_key(header) -> tuple[str, int | None] | None:
    """(key, year) of a header: year only for 'YYYY年度计划投资'."""
    text = normalise_header(header)
    if not text:
        return None
    match = _ANNUAL.match(text)
    if match:
        return "annual_plan", int(match.group(1))
    key = _BY_ALIAS.get(text)
    return (key, None) if key else None


@dataclass
class SheetData:
    path: Path
    sheet: str
    header_row: int
    columns: dict[str, int]  # key -> column index
    annual_year: int | None  # the year of a 'YYYY年度计划投资' column
    ignored: list[str]
    rows: list[tuple[int, list]]  # (row number in the sheet, typed cells)
    meta: dict[str, str] = field(default_factory=dict)  # period, office, version
    formulas: Callable[[int, int], str | None] | None = None  # (row, column index) -> formula text or None

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.sheet}"

    def formula_at(self, row: int, column: int) -> str | None:
        return self.formulas(row, column) if self.formulas else None


def read(path: Path) -> SheetData:
    """The data sheet of a file: the first worksheet with a recognisable header row."""
    if not path.is_file():
        raise DataError(f"{path}: {'not a file' if path.exists() else 'file not found'}")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DataError(f"{path}: unsupported file type {suffix or '(none)'}; use {', '.join(SUPPORTED)}")
    if suffix in (".xlsx", ".xlsm"):
        sheets, meta, formulas = _xlsx(path)
    elif suffix == ".xls":
        sheets, meta, formulas = _xls(path), {}, None
    else:
        sheets, meta, formulas = [(path.stem, text_rows(path))], {}, None
    tried = []
    for name, rows in sheets:
        if normalise_header(name) in EXPLANATION_SHEETS:
            continue
        found = _find_header(rows)
        if found is None:
            tried.append(name)
            continue
        header_row, headers, data_start = found
        columns, annual_year, ignored = _columns(headers)
        data = [(number, cells) for number, cells in rows[data_start:] if any(map(_present, cells))]
        meta = {**_meta_from_rows(rows[:data_start]), **meta}
        return SheetData(
            path,
            name,
            header_row,
            columns,
            annual_year,
            ignored,
            data,
            meta,
            partial(formulas, name) if formulas else None,
        )
    raise DataError(
        f"{path}: no sheet has a header row with 编号 or 项目代码 and the report columns "
        f"(sheets read: {', '.join(tried) or 'none'})"
    )


def _present(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _find_header(rows: list[tuple[int, list]]):
    """(header row number, combined header texts, index of the first data row) or None."""
    for index, (_number, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        keys = {k[0] for k in map(column_key, cells) if k}
        upper = _carried(rows[index - 1][1]) if index else []
        combined = [cell if _present(cell) else (upper[i] if i < len(upper) else None) for i, cell in enumerate(cells)]
        joined = [
            (str(upper[i]) if i < len(upper) and _present(upper[i]) else "") + str(cell) if _present(cell) else None
            for i, cell in enumerate(cells)
        ]
        headers = [c if column_key(c) or not j or not column_key(j) else j for c, j in zip(combined, joined)]
        keys |= {k[0] for k in map(column_key, headers) if k}
        if ("code" in keys or "national_code" in keys) and len(keys) >= 2:
            return _with_lower_row(rows, index, headers)
    return None


def _with_lower_row(rows: list[tuple[int, list]], index: int, headers: list):
    """A two-row header: the row below the column names names sub-columns (本期, 累计) under a
    merged group cell and leaves the code column empty."""
    number = rows[index][0]
    if index + 1 >= len(rows):
        return number, headers, index + 1
    lower = rows[index + 1][1]
    code_column = next(
        i for i, h in enumerate(headers) if (key := column_key(h)) and key[0] in ("code", "national_code")
    )
    named = [
        i
        for i, cell in enumerate(lower)
        if _present(cell)
        and (column_key(cell) or column_key(f"{_carried(headers)[i] if i < len(headers) else ''}{cell}"))
    ]
    if not named or (code_column < len(lower) and _present(lower[code_column])):
        return number, headers, index + 1
    upper = _carried(headers)
    combined = []
    for i in range(max(len(headers), len(lower))):
        top = upper[i] if i < len(upper) else None
        below = lower[i] if i < len(lower) else None
        if not _present(below):
            combined.append(headers[i] if i < len(headers) else None)
        elif column_key(below):
            combined.append(below)
        else:
            combined.append(f"{top or ''}{below}")
    return number, combined, index + 2


def _carried(cells: list) -> list:
    """A group row of a two-row header: a merged cell's text carried over the cells it spans."""
    carried, last = [], None
    for cell in cells:
        last = cell if _present(cell) else last
        carried.append(last)
    return carried


def _columns(headers: list) -> tuple[dict[str, int], int | None, list[str]]:
    columns, annual_year, ignored = {}, None, []
    for index, header in enumerate(headers):
        found = column_key(header)
        if found is None or found[0] in columns:
            if _present(header):
                ignored.append(str(header).strip())
            continue
        columns[found[0]] = index
        if found[1]:
            annual_year = found[1]
    return columns, annual_year, ignored


def _meta_from_rows(rows: list[tuple[int, list]]) -> dict[str, str]:
    text = " ".join(str(cell) for _, cells in rows for cell in cells if _present(cell))
    meta = {}
    for key, pattern in (("period", _PERIOD_TEXT), ("office", _OFFICE_TEXT), ("version", _VERSION_TEXT)):
        match = pattern.search(text)
        if match:
            meta[key] = match.group(1)
    return meta


# --- file formats ------------------------------------------------------------------------

META_PROPERTIES = {"portfolio.period": "period", "portfolio.office": "office", "portfolio.template": "version"}


def _xlsx(path: Path):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, data_only=True)
    except Exception as error:  # openpyxl raises many types for a bad file
        raise DataError(f"{path}: not a readable .xlsx workbook ({type(error).__name__})") from None
    meta = {}
    for prop in getattr(workbook, "custom_doc_props", None) or []:
        if prop.name in META_PROPERTIES and prop.value is not None:
            meta[META_PROPERTIES[prop.name]] = str(prop.value)
    sheets = [
        (
            sheet.title,
            [(number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)],
        )
        for sheet in workbook.worksheets
    ]
    cache: dict = {}

    def formulas(sheet: str, row: int, column: int) -> str | None:
        if "book" not in cache:
            cache["book"] = load_workbook(path, data_only=False)
        value = cache["book"][sheet].cell(row=row, column=column + 1).value
        return value if isinstance(value, str) and value.startswith("=") else None

    return sheets, meta, formulas


def _xls(path: Path):
    try:
        import xlrd
    except ImportError:  # pragma: no cover - a declared dependency
        raise DataError(f"{path}: reading .xls needs the xlrd package") from None
    try:
        book = xlrd.open_workbook(str(path))
    except Exception as error:
        raise DataError(f"{path}: not a readable .xls workbook ({type(error).__name__}: {error})") from None
    sheets = []
    for sheet in book.sheets():
        rows = []
        for r in range(sheet.nrows):
            cells = []
            for c in range(sheet.ncols):
                cell = sheet.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    cells.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    cells.append(None)
                else:
                    cells.append(cell.value)
            rows.append((r + 1, cells))
        sheets.append((sheet.name, rows))
    return sheets


def decode_text(path: Path) -> str:
    """A text sheet's contents: UTF-16 (Excel's "Unicode text", with or without a BOM), UTF-8 or GBK."""
    data = path.read_bytes()
    candidates = (
        ("utf-16",)
        if data.startswith((b"\xff\xfe", b"\xfe\xff"))
        else ("utf-16-le", "utf-16-be")
        if b"\x00" in data[:4096]
        else ("utf-8-sig", "gb18030")
    )
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if b"\x00" in data[:4096]:
        raise DataError(f"{path}: not a text file (binary data)")
    raise DataError(f"{path}: cannot decode the file as UTF-8, UTF-16 or GBK")


def text_rows(path: Path) -> list[tuple[int, list]]:
    """Rows of a .csv, .tsv or .txt sheet, numbered from 1, in the dialect the text uses."""
    text = decode_text(path)
    dialect: type[csv.Dialect] | csv.Dialect
    if path.suffix.lower() == ".tsv" or "\t" in text.split("\n", 1)[0]:
        dialect = csv.excel_tab
    else:
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
    try:
        return [(number, row) for number, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1)]
    except csv.Error as error:
        raise DataError(f"{path}: malformed text sheet: {error}") from None


# --- cell values ---------------------------------------------------------------------------

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 (Excel's 1900 leap-year bug absorbed)
_SERIAL_RANGE = (20_000, 80_000)  # 1954 … 2119: numbers in this range in a date column are serials


def cell_date(value) -> date | None:
    """A date cell: a date, an Excel serial number (45717) or text; None when empty.

    Raises ValueError for anything else.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if numeric or (isinstance(value, str) and re.fullmatch(r"\s*\d{5}(\.0+)?\s*", value)):
        serial = float(value)
    else:
        from portfolio.changes import parse_date
        from portfolio.errors import UserInputError

        text = str(value).strip()
        if re.fullmatch(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*月?", text):
            text = re.sub(r"\s*[-/.年]\s*", "-", text).rstrip("月") + "-01"
        try:
            return parse_date(text)
        except UserInputError:
            raise ValueError(f"not a date: {value!r}") from None
    if not _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
        raise ValueError(f"not a date: {value!r}")
    return EXCEL_EPOCH + timedelta(days=int(serial))


def cell_text(value) -> str:
    if type(value) is str:  # every cell of a text sheet
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()
