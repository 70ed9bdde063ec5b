"""What the routes share: templates, sessions, and the project filter read from the query string."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, overload
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from portfolio.errors import PortfolioError, UserInputError

PER_PAGE = 50
MAX_PAGE_SIZE = 1000


class NotFound(PortfolioError):
    """A project or page that does not exist (404)."""


def _environment() -> Environment:
    # autoescape everywhere: every name and note from the data is text, never markup; the
    # templates ship with the package, so they are not looked at again on every page (auto_reload)
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True, auto_reload=False)
    env.filters["thousands"] = lambda n: f"{n:,}" if isinstance(n, int) else n
    env.filters["zh"] = _chinese
    return env


def _chinese(message: str) -> str:
    """A library message (English) in Chinese, as the catalogue translates it for the CLI."""
    from portfolio.i18n import translate_message

    return translate_message(str(message), "zh")


templates = Jinja2Templates(env=_environment())


@contextmanager
def session(request: Request) -> Iterator:
    """A read-only session on the app's database, opened in the thread that uses it."""
    from portfolio.db import session_scope

    with session_scope(request.app.state.engine) as opened:
        yield opened


def is_fragment(request: Request) -> bool:
    """An htmx request for a part of the page (not a history restore, which needs the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def _clean(values: list[str]) -> list[str]:
    return [v.strip() for v in values if v and v.strip()]


@overload
def _positive(value: str | None, name: str, default: int) -> int: ...
@overload
def _positive(value: str | None, name: str, default: None) -> int | None: ...
def _positive(value: str | None, name: str, default: int | None) -> int | None:
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise UserInputError(f"{name} 应为正整数，而不是 {value!r}")
    return number


def _count(value: str | None) -> str:
    from portfolio.queries import COUNTS

    wanted = (value or "works").strip().lower() or "works"
    if wanted not in COUNTS:
        raise UserInputError(f"count 应为 works（每项工程计一次）或 listings（每个条目计一次），而不是 {value!r}")
    return wanted


def _light(value: str | None) -> str | None:
    from portfolio.reports.lights import check_light_group

    return check_light_group(value) if value and value.strip() else None


def _period_text(value: str | None) -> str | None:
    from portfolio.reports.periods import Period

    return str(Period.parse(value.strip())) if value and value.strip() else None


def latest_period(session):
    """The latest period with a report that counts; this month when there is none."""
    from portfolio.reports.periods import Period, reported_periods

    found = reported_periods(session)
    return found[0] if found else Period.current()


LIST_FILTERS = ("county", "sector", "plan", "status", "level")  # filters that take several values


@dataclass
class ProjectQuery:
    """Filters, search, sort and page of a project view: all of it lives in the URL."""

    county: list[str] = field(default_factory=list)
    prefecture: str | None = None
    sector: list[str] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)
    column: int | None = None
    status: list[str] = field(default_factory=list)
    kind: str | None = None
    level: list[str] = field(default_factory=list)
    tier: str | None = None
    q: str | None = None
    light: str | None = None  # red, yellow, green or unreported in `period` (see lights.LIGHT_GROUPS)
    period: str | None = None  # YYYY-MM; the latest period with reports when not given
    count: str = "works"
    sort: str = "code"
    page: int = 1
    notes: list[str] = field(default_factory=list, compare=False)  # remarks of the library on the filter

    def filter(self, session, groups: dict[str, set[int]] | None = None, *, light: bool = True):
        """The library's ProjectFilter for this view; with a light chosen (and `light`), only the
        projects of that light in the period (`groups`: lights.light_groups of the period, when
        already computed)."""
        flt = self._plain_filter(session)
        if self.light is None or not light:
            return flt
        from portfolio.reports import lights

        if groups is None:
            groups = lights.light_groups(session, self.reporting_period(session), flt)
        return replace(flt, project_ids=frozenset(groups[self.light]))

    def reporting_period(self, session):
        """The period of the light facet: the one in the URL, else the latest with reports."""
        from portfolio.reports.periods import Period

        return Period.parse(self.period) if self.period else latest_period(session)

    def _plain_filter(self, session):
        from portfolio.views import build_filter

        if self.column is not None and len(self.plan) != 1:
            raise UserInputError("专栏 (column) 需要同时选定一个规划 (plan)")
        return build_filter(
            session,
            county=self.county,
            prefecture=self.prefecture,
            sector=self.sector,
            plan=self.plan,
            column=self.column,
            status=self.status,
            kind=self.kind,
            level=self.level,
            tier=self.tier,
            search=self.q,
            notes=self.notes,
        )

    def params(self, *, with_page: bool = True) -> list[tuple[str, str]]:
        pairs = (
            [("county", v) for v in self.county]
            + [("prefecture", self.prefecture)]
            + [("sector", v) for v in self.sector]
            + [("plan", v) for v in self.plan]
            + [("column", self.column)]
            + [("status", v) for v in self.status]
            + [("kind", self.kind)]
            + [("level", v) for v in self.level]
            + [("tier", self.tier), ("q", self.q), ("light", self.light), ("period", self.period)]
        )
        if self.count != "works":
            pairs.append(("count", self.count))
        if self.sort != "code":
            pairs.append(("sort", self.sort))
        if with_page and self.page != 1:
            pairs.append(("page", self.page))
        return [(k, str(v)) for k, v in pairs if v not in (None, "")]

    def query_string(self, **changes) -> str:
        return urlencode((self.with_(**changes) if changes else self).params())

    def with_(self, **changes) -> ProjectQuery:
        return replace(self, **{"page": 1, **changes})

    def toggled(self, name: str, value: str) -> str:
        """The query string with `value` added to or removed from the `name` filter (back to page 1)."""
        if name in LIST_FILTERS:
            values = getattr(self, name)
            changed = [v for v in values if v != value] if value in values else [*values, value]
            extra = {"column": None} if name == "plan" else {}
            return self.query_string(**{name: changed}, **extra)
        current = getattr(self, name)
        new = None if str(current) == value else (int(value) if name == "column" else value)
        return self.query_string(**{name: new})

    def canonical(self, flt) -> ProjectQuery:
        """The same view with every value as the code a facet uses (so a facet link can toggle it)."""
        return replace(
            self,
            county=list(flt.division_codes) if self.county else [],
            sector=list(flt.sectors),
            plan=list(flt.plan_keys),
            status=list(flt.statuses),
            kind=flt.kinds[0] if flt.kinds else None,
        )

    @property
    def active(self) -> bool:
        """Any filter or search (sorting alone is not a filter)."""
        return any(key != "sort" for key, _ in self.params(with_page=False))


def project_query(
    county: Annotated[list[str], Query(description="县(区)：名称、简称、拼音或区划代码；可重复")] = [],  # noqa: B006
    prefecture: Annotated[str | None, Query(description="地市：其下全部县(区)")] = None,
    sector: Annotated[list[str], Query(description="行业代码或名称；可重复")] = [],  # noqa: B006
    plan: Annotated[list[str], Query(description="规划代号；可重复")] = [],  # noqa: B006
    column: Annotated[str | None, Query(description="专栏编号（需同时指定一个规划）")] = None,
    status: Annotated[list[str], Query(description="状态：谋划 前期 在建 建成 暂缓 取消 或 OC4IDS 代码；可重复")] = [],  # noqa: B006
    kind: Annotated[str | None, Query(description="project (项目) 或 programme (项目群)")] = None,
    level: Annotated[list[str], Query(description="层级：市级 或 县级；可重复")] = [],  # noqa: B006
    tier: Annotated[str | None, Query(description="top (不属于任何项目群) 或 leaf (没有组成项目)")] = None,
    q: Annotated[str | None, Query(description="名称、分项、备注中的文字（空格分隔的词须全部出现）")] = None,
    light: Annotated[
        str | None, Query(description="预警：red (红)、yellow (黄)、green (绿) 或 unreported (未填报)，按 period 一期")
    ] = None,
    period: Annotated[str | None, Query(description="预警所按的填报期 YYYY-MM；默认为最近一期有填报的月份")] = None,
    sort: Annotated[str, Query(description="code, name, sector, status, plan 或 date")] = "code",
    page: Annotated[str | None, Query(description="页码，从 1 开始")] = None,
    count: Annotated[str, Query(description="works: 每项工程计一次（默认）；listings: 每个规划条目计一次")] = "works",
) -> ProjectQuery:
    return ProjectQuery(
        county=_clean(county),
        prefecture=(prefecture or "").strip() or None,
        sector=_clean(sector),
        plan=_clean(plan),
        column=_positive(column, "专栏 (column)", None),
        status=_clean(status),
        kind=(kind or "").strip() or None,
        level=_clean(level),
        tier=(tier or "").strip() or None,
        q=(q or "").strip() or None,
        light=_light(light),
        period=_period_text(period),
        count=_count(count),
        sort=(sort or "code").strip(),
        page=_positive(page, "页码 (page)", 1),
    )


ProjectQueryDep = Annotated[ProjectQuery, Depends(project_query)]


def reporting_period(
    request: Request,
    period: Annotated[
        str | None, Query(description="填报期 YYYY-MM；默认为最近一期有填报的月份（没有填报时为本月）")
    ] = None,
):
    """The period a progress page or API call is about (portfolio.reports.periods.Period)."""
    from portfolio.reports.periods import Period

    if period is not None and period.strip():
        return Period.assessed(period)
    with session(request) as opened:
        return latest_period(opened)


PeriodDep = Annotated[Any, Depends(reporting_period)]
