"""The read side: plain functions from a session to rows. No printing, no Typer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field, fields
from functools import cache
from typing import TYPE_CHECKING, NamedTuple, NoReturn, cast

import sqlalchemy as sa
from sqlmodel import select

from portfolio import vocab
from portfolio.db import IN_LIST_SIZE, chunked, has_trigram_index, one_of, plain_rows, table_of
from portfolio.errors import UserInputError
from portfolio.models import (
    Division,
    Indicator,
    Place,
    Plan,
    PlanColumn,
    Project,
    ProjectDivision,
    ProjectLink,
    Sector,
    StatusEvent,
    SummaryTally,
    id_of,
)
from portfolio.rows import (
    ColumnRow,
    CountyRow,
    IndicatorRow,
    PlaceRow,
    PlanRow,
    ProjectRow,
    SectorRow,
    StoredRows,
    TableCount,
    build_row,
    row_columns,
    vocabulary_labels,
)
from portfolio.text import check_text

if TYPE_CHECKING:
    from sqlalchemy.orm import QueryableAttribute
    from sqlmodel import Session

MIN_TRIGRAM = 3
_LARGEST_LIMIT = 2**63 - 1
FTS_PROBE = 2000  # more matches than this: a frequent term, matched by scanning (see search_condition)
SORT_KEYS = ("code", "name", "county", "sector", "status", "plan", "date")
_SORTED_IN_PYTHON = {  # pinyin order, which neither database knows
    "name": lambda row: (vocab.pinyin_sort_key(row.name), row.code),
    "county": lambda row: (vocab.pinyin_sort_key("、".join(row.counties_label)), row.code),
}
TIERS = ("top", "leaf")  # items that are part of no programme; items with no parts
COUNTS = ("works", "listings")


@dataclass
class ProjectFilter:
    division_codes: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    plan_keys: list[str] = field(default_factory=list)
    column: int | None = None
    statuses: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    tier: str | None = None
    search: str | None = None
    include_withdrawn: bool = True
    project_ids: frozenset[int] | None = None  # only these projects (e.g. those with one light in a period)


# --- vocabularies that live in the database ------------------------------------


def gazetteer(session: Session) -> vocab.Gazetteer:
    columns = (
        Division.code,
        Division.name,
        Division.level,
        Division.parent_code,
        Division.short_name,
        Division.aliases,
    )
    return vocab.Gazetteer.of_divisions(plain_rows(session, sa.select(*columns)).all())


def _exact_division(session: Session, value: str) -> tuple[str, str] | None:
    """The common case without loading the gazetteer: an exact code, name or short name -> (code, level).
    A code (what the web's links carry) is looked up alone: the query of names reads every division."""
    by_code = session.execute(sa.select(Division.code, Division.level).where(Division.code == value)).first()
    if by_code is not None:
        return (by_code.code, by_code.level)
    found = session.execute(
        sa.select(Division.code, Division.level)
        .where(sa.or_(Division.name == value, Division.short_name == value))
        .limit(2)
    ).all()
    return tuple(found[0]) if len(found) == 1 else None


def _names_prefecture_level(value: str) -> bool:
    """`昌都未明确` (an alias of the prefecture in divisions.csv): the works the plan places in the
    prefecture without naming their county, not everything in it."""
    return "未明确" in value


def resolve_divisions(
    session: Session, values: list[str], *, prefecture: str | None = None, notes: list[str] | None = None
) -> list[str]:
    """Division codes for --county values (and --prefecture: the prefecture and all below it).

    A prefecture given as a county (`--county 昌都`) means everything in it, said in `notes`;
    the works whose county the plan does not give are asked for as `昌都未明确`.
    """
    values = [vocab.fold_input(value) for value in values]
    if prefecture is not None:
        prefecture = vocab.fold_input(prefecture)
    exact = [_exact_division(session, value) for value in values]
    counties = [found for found in exact if found and found[1] not in ("prefecture", "province")]
    if len(counties) == len(exact) and not prefecture:
        return [code for code, _level in counties]
    places = gazetteer(session)
    region = places.resolve(prefecture, what="prefecture") if prefecture else None
    if region and region.level not in ("prefecture", "province"):
        raise UserInputError(f"{prefecture!r} is a {vocab.LEVEL_LABELS[region.level]} division, not a prefecture")
    codes = []
    for found, value in zip(exact, values):
        # the prefecture also settles a name used in several (经开区)
        place = places.place(found[0]) if found else places.resolve(value, region.code if region else None)
        if place.level in ("prefecture", "province") and not _names_prefecture_level(value):
            below = [p.code for p in places.places if places.within(p, place.code)]
            codes += below
            if notes is not None:
                own = f"{place.short_name or place.name}未明确"
                notes.append(
                    f"{value} is a prefecture: taken as everything in {place.name} "
                    f"(for the works whose county the plan does not give: --county {own}; "
                    f"for the works it places at prefecture level: --level 市级)"
                )
        else:
            codes.append(place.code)
    if region:
        below = [p.code for p in places.places if places.within(p, region.code)]
        codes = [c for c in codes if c in below] if codes else below
        if not codes:
            raise UserInputError(f"none of the counties given lies in {region.name}")
    return list(dict.fromkeys(codes))


def resolve_sector(session: Session, value: str) -> str:
    """One sector: its code, Chinese or English label, or an unambiguous start of the Chinese label."""
    found = resolve_sectors(session, value)
    if len(found) > 1:
        raise UserInputError(f"{value!r} names several sectors ({', '.join(found)}); give one of them")
    return found[0]


def resolve_sectors(session: Session, value: str) -> list[str]:
    """Sector codes for a --sector value: a code or label, an unambiguous start of the Chinese label
    (道路 -> 道路桥梁), or an OC4IDS projectSector code (waterAndWaste: every sector filed under it)."""
    sectors = session.exec(select(Sector).order_by(Sector.code)).all()
    wanted = vocab.fold_input(value).lower()
    for sector in sectors:
        if wanted in (sector.code.lower(), sector.label_zh, sector.label_en.lower()):
            return [sector.code]
    by_oc4ids = [s.code for s in sectors if s.oc4ids.lower() == wanted or s.oc4ids.lower().startswith(wanted + ".")]
    if by_oc4ids:
        return by_oc4ids
    starting = [s for s in sectors if wanted and s.label_zh.startswith(wanted)]
    if len(starting) == 1:
        return [starting[0].code]
    if len(starting) > 1:
        options = ", ".join(f"{s.label_zh} ({s.code})" for s in starting)
        raise UserInputError(f"ambiguous sector {value!r}: could be {options}")
    names = [s.code for s in sectors] + [s.label_zh for s in sectors]
    raise UserInputError(f"unknown sector {value!r}{vocab.did_you_mean(value, names)}; see `portfolio sectors`")


def resolve_plan(session: Session, value: str) -> str:
    plans = session.exec(select(Plan)).all()
    value = vocab.fold_input(value)
    for plan in plans:
        if value in (plan.key, plan.code_prefix, plan.title):
            return plan.key
    partial = [p.key for p in plans if value and value in p.title]
    if len(partial) == 1:
        return partial[0]
    raise UserInputError(
        f"unknown plan {value!r}{vocab.did_you_mean(value, [p.key for p in plans])}; see `portfolio plans`"
    )


def check_column(session: Session, column: int, plan_keys: list[str]) -> None:
    """Refuse a 专栏 number no plan asked about has as a 专栏 of projects (it would match nothing)."""
    statement = sa.select(Plan.key, PlanColumn.number, PlanColumn.kind).join(Plan, Plan.id == PlanColumn.plan_id)
    if plan_keys:
        statement = statement.where(Plan.key.in_(plan_keys))
    found = session.execute(statement.order_by(Plan.key, PlanColumn.number)).all()
    if any(number == column and kind == "projects" for _key, number, kind in found):
        return
    scope = " or ".join(plan_keys) if plan_keys else "any plan"
    other = [(key, kind) for key, number, kind in found if number == column]
    if other:
        key, kind = other[0]
        see = {"places": "`portfolio places`", "indicators": "`portfolio indicators`"}.get(kind, "`portfolio columns`")
        raise UserInputError(f"专栏 {column} of {key} lists {kind}, not projects; see {see}")
    numbers = sorted({number for _key, number, kind in found if kind == "projects"})
    allowed = f"; its 专栏 of projects: {_ranges(numbers)}" if plan_keys and numbers else "; see `portfolio columns`"
    raise UserInputError(f"no such 专栏 of projects: {column} in {scope}{allowed}")


def _ranges(numbers: list[int]) -> str:
    """[2, 3, 4, 6] -> 2–4, 6"""
    groups: list[list[int]] = []
    for number in numbers:
        if groups and number == groups[-1][-1] + 1:
            groups[-1].append(number)
        else:
            groups.append([number])
    return ", ".join(f"{g[0]}–{g[-1]}" if len(g) > 1 else str(g[0]) for g in groups)


# --- projects --------------------------------------------------------------------


def division_label_sql(division: type[Division] = Division) -> sa.ColumnElement[str]:
    """vocab.division_label in SQL: 昌都市·未明确县(区) for a work linked to its prefecture itself."""
    return sa.case(
        (division.level == vocab.DivisionLevel.PREFECTURE.value, division.name + "·" + vocab.UNSPECIFIED_COUNTY),
        else_=division.name,
    )


def county_names(dialect: str) -> sa.ScalarSelect:
    """The names of the project's divisions in code order, joined with 、 (what tables show)."""
    return _county_list(dialect, division_label_sql())


def _county_list(dialect: str, label: sa.SQLColumnExpression[str]) -> sa.ScalarSelect:
    """`label` of every division of the project, in code order, joined with 、."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import aggregate_order_by

        aggregate = sa.func.string_agg(label, aggregate_order_by(sa.literal("、"), ProjectDivision.division_code))
    else:  # SQLite reads the links through their primary key (project_id, division_code): in code order
        aggregate = sa.func.group_concat(label, "、")
    return (
        sa.select(aggregate)
        .select_from(ProjectDivision)
        .join(Division, Division.code == ProjectDivision.division_code)
        .where(ProjectDivision.project_id == Project.id)
        .scalar_subquery()
    )


def search_condition(session: Session, text: str) -> sa.ColumnElement[bool]:
    """Every whitespace-separated term must occur in the name, sub-heading or note."""
    printable = "".join(ch if ch.isprintable() else " " for ch in vocab.fold_search(text))
    terms = [t for t in printable.split() if t]
    if not terms:
        return sa.true()
    dialect = session.get_bind().dialect.name
    conditions: list[sa.ColumnElement[bool]] = []
    if dialect == "sqlite":
        # Trigram FTS finds terms of 3+ characters, the pair index (0011) terms of two; a
        # single character goes to the base table. A query the index finds in more than
        # FTS_PROBE projects goes to the base table too: scanned in the order asked for, it
        # yields the first rows (and a --limit's worth) long before the index has handed back
        # every match for sorting.
        long_terms = [t for t in terms if len(t) >= MIN_TRIGRAM]
        pair_terms = [t for t in terms if len(t) < MIN_TRIGRAM and len(t.lower()) == 2]
        for table, indexed, tokens in (
            ("project_fts", long_terms, long_terms),
            ("project_bigram", pair_terms, [_pair_token(t) for t in pair_terms]),
        ):
            found = _fts_rows(session, table, tokens)
            if found is not None:
                conditions.append(Project.id.in_(found))
                terms = [t for t in terms if t not in indexed]
    # On PostgreSQL the pair index narrows the rows of a two-character term (pg_trgm holds nothing
    # for it), and of a longer one where there is no trigram index (a C-locale database, no pg_trgm)
    # unless more than FTS_PROBE projects hold it: the planner multiplies the selectivities of the
    # pairs and of the text as if they were unrelated, takes such a term for rare, and sorts every
    # match (16,640 for 改扩建 at 100,000 projects: 17 ms) where reading in the order asked for stops
    # at the limit (0.8 ms).
    longer_too = dialect == "postgresql" and not has_trigram_index(session.connection())
    for term in terms:
        by_pairs = len(term) == 2 or (longer_too and len(term) > 2 and not _frequent_by_pairs(session, term))
        conditions.append(_substring(term, dialect, by_pairs=by_pairs))
    return sa.and_(*conditions)


def _frequent_by_pairs(session: Session, term: str) -> bool:
    """Whether more than FTS_PROBE projects hold `term` (PostgreSQL: found through the pair index)."""
    holding = (
        sa.select(sa.literal(1)).select_from(table_of(Project)).where(_substring(term, "postgresql", by_pairs=True))
    )
    count = sa.select(sa.func.count()).select_from(holding.limit(FTS_PROBE + 1).subquery())
    return _frequent(session, ("pairs", term), count)


def _frequent(session: Session, key: tuple, count: sa.Executable, params: dict | None = None) -> bool:
    """Whether `count` (matches counted up to one past FTS_PROBE) is more than FTS_PROBE. Counted once
    per session: a page of results with its facets builds the search condition about ten times, and
    the answer only chooses how the matches are found, never which."""
    counted = session.info.setdefault("frequent_terms", {})
    if key not in counted:
        counted[key] = session.execute(count, params).scalar_one() > FTS_PROBE
    return counted[key]


def _fts_rows(session: Session, table: str, tokens: list[str]) -> sa.TextClause | None:
    """The ids of the projects whose FTS5 `table` holds every token, unless they are more than FTS_PROBE."""
    if not tokens:
        return None
    query = " ".join('"' + t.replace('"', '""') + '"' for t in tokens)
    probe = sa.text(f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {table} MATCH :query LIMIT :most)")
    if _frequent(session, (table, query), probe, {"query": query, "most": FTS_PROBE + 1}):
        return None
    # A parameter name of its own: both tables' subqueries can sit in one statement.
    return sa.text(f"SELECT rowid FROM {table} WHERE {table} MATCH :{table}_query").bindparams(
        sa.bindparam(f"{table}_query", query)
    )


def _pair_token(term: str) -> str:
    """A two-character term as project_bigram holds it: the hex of its UTF-8 bytes, lower-cased as
    _substring looks for it (migration 0011 indexes hex(substr(lower(text), i, 2)))."""
    return term.lower().encode("utf-8", "surrogatepass").hex().upper()


def _substring(term: str, dialect: str, *, by_pairs: bool) -> sa.ColumnElement[bool]:
    if dialect == "postgresql":
        from portfolio.db import pg_search_text

        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        term_parameter: sa.BindParameter[str] = sa.bindparam("search_term", pattern, unique=True)
        searched: sa.ColumnElement[str] = sa.literal_column(pg_search_text("project"))
        condition: sa.ColumnElement[bool] = searched.ilike(term_parameter, escape="\\")
        if by_pairs:  # the pair index of 0011 narrows the rows ILIKE checks
            pairs = sa.func.search_bigrams(sa.func.lower(searched))
            wanted = sa.func.search_bigrams(sa.func.lower(sa.bindparam("search_pair", term, unique=True)))
            condition = sa.and_(pairs.op("@>")(wanted), condition)
        return condition
    lowered = term.lower()
    columns = (Project.name, sa.func.coalesce(Project.group_label, ""), sa.func.coalesce(Project.note, ""))
    return sa.or_(*(sa.func.instr(sa.func.lower(column), lowered) > 0 for column in columns))


def select_matching(session: Session, flt: ProjectFilter, columns, *, order_by=()) -> sa.Select:
    """The `columns` of every project the filter matches, in the order of `order_by`, with its
    plan, 专栏 and sector joined where the columns, the order or the filter read them: the one place
    a filter becomes SQL (lists, summaries, facets and the OC4IDS export build on it)."""
    # The tables the columns name, read off the expressions: get_final_froms() compiles the whole
    # statement to find them, which took longer (8-40 ms) than a search's query at 1,000,000 projects.
    read = set(sa.select(*columns, *order_by).columns_clause_froms)
    if flt.plan_keys:
        read.add(table_of(Plan))
    if flt.column is not None:
        read.add(table_of(PlanColumn))
    # Outer joins (the foreign keys are NOT NULL, so the rows are the same) keep project the
    # driving table: with statistics SQLite would otherwise start from sector and fetch a
    # million projects one index lookup at a time. A table nothing reads is not joined: SQLite
    # would still look up its row for every project (three lookups each for a summary of a million).
    source: sa.FromClause = table_of(Project)
    for model, onclause in (
        (Plan, Plan.id == Project.plan_id),
        (PlanColumn, PlanColumn.id == Project.column_id),
        (Sector, Sector.code == Project.sector_code),
    ):
        if table_of(model) in read:
            source = source.outerjoin(table_of(model), onclause)
    statement = sa.select(*columns).select_from(source).order_by(*order_by)
    if flt.division_codes:
        statement = statement.where(
            Project.id.in_(
                sa.select(ProjectDivision.project_id).where(ProjectDivision.division_code.in_(flt.division_codes))
            )
        )
    if flt.sectors:
        statement = statement.where(Project.sector_code.in_(flt.sectors))
    if flt.plan_keys:
        statement = statement.where(Plan.key.in_(flt.plan_keys))
    if flt.column is not None:
        statement = statement.where(PlanColumn.number == flt.column)
    if flt.statuses:
        statement = statement.where(Project.status.in_(flt.statuses))
    if flt.kinds:
        statement = statement.where(Project.kind.in_(flt.kinds))
    if flt.levels:
        statement = statement.where(Project.level.in_(flt.levels))
    if flt.tier is not None:
        statement = statement.where(_tier_condition(flt.tier))
    if flt.search:
        statement = statement.where(search_condition(session, flt.search))
    if not flt.include_withdrawn:
        statement = statement.where(Project.in_seeds.is_(True))
    if flt.project_ids is not None:
        statement = statement.where(_one_of_ids(session, flt.project_ids))
    return statement


def _one_of_ids(session: Session, ids: frozenset[int]) -> sa.ColumnElement[bool]:
    """Project.id among `ids`, sent as one parameter (a list of any length fits: IN with a
    parameter per id stops at 32,766 on SQLite and 65,535 on PostgreSQL)."""
    return one_of(session, Project.id, sorted(ids))


def _tier_condition(tier: str) -> sa.ColumnElement[bool]:
    if tier not in TIERS:
        raise UserInputError(f"unknown tier {tier!r}; allowed: top (part of no programme), leaf (has no parts)")
    side = ProjectLink.project_id if tier == "top" else ProjectLink.target_id
    return ~sa.exists().where(side == Project.id, ProjectLink.relation == "part_of")


def list_projects(
    session: Session, flt: ProjectFilter, *, sort: str = "code", limit: int | None = None, offset: int = 0
) -> Iterator[ProjectRow]:
    """Matching projects, streamed in batches (a million rows never sit in memory)."""
    if limit is not None and limit > _LARGEST_LIMIT:
        limit = None  # more rows than any table holds: no limit (the database's integers stop there)
    if sort in _SORTED_IN_PYTHON:
        rows = sorted(_stream(session, list_statement(session, flt, sort=sort)), key=_SORTED_IN_PYTHON[sort])
        return iter(rows[offset : offset + limit] if limit is not None else rows[offset:])
    return _stream(session, list_statement(session, flt, sort=sort, limit=limit, offset=offset))


def list_statement(
    session: Session, flt: ProjectFilter, *, sort: str = "code", limit: int | None = None, offset: int = 0
) -> sa.Select:
    """The query `list_projects` runs (the benchmark hands the same SQL to sqlite3 and sqlite-utils)."""
    columns = _project_row_columns(session.get_bind().dialect.name)
    order = {  # built only for the sort asked for (the sector order reads the sectors)
        "code": lambda: (Project.code,),
        "name": lambda: (Project.code,),
        "county": lambda: (Project.code,),
        "sector": lambda: (_sector_order(session), Project.code),
        "status": lambda: (_lifecycle_order(), Project.code),
        "plan": lambda: (Plan.key, PlanColumn.number, Project.code),
        "date": lambda: (Project.status_date.desc(), Project.code),
    }
    if sort not in order:
        raise UserInputError(f"unknown sort key {sort!r}; allowed: {', '.join(SORT_KEYS)}")
    if limit is None and not offset:
        return select_matching(session, flt, columns, order_by=order[sort]())
    # The page's ids first, then their columns: the county names and links (a subquery each per
    # row) are computed for the rows shown, not for every match before sorting.
    page = select_matching(session, flt, (Project.id,), order_by=order[sort]()).limit(limit).offset(offset or None)
    shown = ProjectFilter(include_withdrawn=True)
    return select_matching(session, shown, columns, order_by=order[sort]()).where(
        Project.id.in_(page.scalar_subquery())
    )


def _lifecycle_order() -> sa.ColumnElement:
    """谋划 → 前期 → 在建 → 建成, then 暂缓 and 取消."""
    return sa.case({status.value: rank for rank, status in enumerate(vocab.Status)}, value=Project.status, else_=99)


def _sector_order(session: Session) -> sa.ColumnElement:
    """Sectors by their Chinese label in pinyin order."""
    labels = session.execute(sa.select(Sector.code, Sector.label_zh)).all()
    ranked = sorted(labels, key=lambda pair: vocab.pinyin_sort_key(pair[1]))
    return sa.case(
        {code: rank for rank, (code, _label) in enumerate(ranked)}, value=Project.sector_code, else_=len(ranked)
    )


def count_projects(session: Session, flt: ProjectFilter, *, count: str = "listings") -> int:
    """How many items match (the length of `list_projects` without a limit), or with count="works"
    how many works (see `_works_only`): each work once, whichever of its listings match."""
    if count not in COUNTS:
        raise UserInputError(f"unknown count {count!r}; allowed: works (each work once), listings (every item)")
    counted = _tallied(session, flt, [])
    total = counted[0][-1] if counted else 0
    if count == "works" and total:
        counted = _works_only(session, flt, [], [(total,)])
        total = counted[0][-1] if counted else 0
    return total


@cache  # the same expressions for every query (building them costs more than a small query)
def _project_row_columns(dialect: str) -> tuple:
    """What a ProjectRow is read from, each labelled with the row's field name: the values that
    are not a Project column of the same name, then every other field from Project itself (so a
    field added to the model and to ProjectRow is selected without a change here)."""
    derived = {
        "counties": _county_list(dialect, Division.code),
        "counties_label": _county_list(dialect, division_label_sql()),
        "sector": Project.sector_code,
        "sector_label": Sector.label_zh,
        "plan": Plan.key,
        "plan_label": Plan.title,
        "column": PlanColumn.number,
        "column_label": PlanColumn.title,
        "group": Project.group_label,
        "source_file": Plan.source_file,
        "remarks": Project.note,
        "part_of": _linked_codes(dialect, "part_of", outgoing=True),
        "parts": _linked_codes(dialect, "part_of", outgoing=False),
        "same_work_primary": _linked_codes(dialect, "same_work", outgoing=True),
        "other_listings": _linked_codes(dialect, "same_work", outgoing=False),
    }
    labels = vocabulary_labels(ProjectRow)  # filled in from the vocabularies, not read
    return tuple(
        (derived[c.key] if c.key in derived else getattr(Project, c.key)).label(c.key)
        for c in row_columns(ProjectRow)
        if c.key not in labels
    )


LINK_FIELDS = ("part_of", "parts", "same_work_primary", "other_listings")  # listed in code order on both engines


def _linked_codes(dialect: str, relation: str, *, outgoing: bool) -> sa.ScalarSelect:
    """The codes of the items linked to the project by `relation`, joined with 、: the targets of
    its own links (outgoing) or the items whose links point at it."""
    other = sa.orm.aliased(Project)
    mine, theirs = (
        (ProjectLink.project_id, ProjectLink.target_id) if outgoing else (ProjectLink.target_id, ProjectLink.project_id)
    )
    aggregate = (
        sa.func.string_agg(other.code, "、") if dialect == "postgresql" else sa.func.group_concat(other.code, "、")
    )
    return (
        sa.select(aggregate)
        .select_from(ProjectLink)
        .join(other, other.id == theirs)
        .where(mine == Project.id, ProjectLink.relation == relation)
        .scalar_subquery()
    )


def _stream(session: Session, statement: sa.Select) -> StoredRows[ProjectRow]:
    # yield_per on the statement, not the connection: set there it would stay for the session's later queries
    batched = statement.execution_options(yield_per=2000)
    return StoredRows(ProjectRow, lambda: session.connection().execute(batched), sorted_lists=LINK_FIELDS)


def project_row(session: Session, code: str) -> ProjectRow:
    """The row `projects list` gives for one project (what `projects show --format json` writes)."""
    project = get_project(session, code)
    statement = select_matching(
        session, ProjectFilter(include_withdrawn=True), _project_row_columns(session.get_bind().dialect.name)
    )
    return next(_stream(session, statement.where(Project.id == project.id)))


def get_project(session: Session, code: str) -> Project:
    project = session.exec(select(Project).where(Project.code == _project_code(code))).first()
    if project is None:
        _unknown_project(session, code)
    return project


def _project_code(code: str) -> str:
    check_text(code, "the project code")
    return vocab.fold_code(code)


def _unknown_project(session: Session, code: str) -> NoReturn:
    code = _project_code(code)
    candidates = session.exec(
        select(Project.code).where(Project.code.like(f"{code.strip().upper()[:6]}%")).limit(200)
    ).all()
    raise UserInputError(f"unknown project code {code!r}{vocab.did_you_mean(code.upper(), candidates)}")


@dataclass
class ProjectDetail:
    project: Project
    plan: Plan
    column: PlanColumn
    sector: Sector
    divisions: list[Division]
    history: list[StatusEvent]
    links: ProjectLinks = field(default_factory=lambda: ProjectLinks())


class LinkedItem(NamedTuple):
    code: str
    name: str
    reason: str


@dataclass
class ProjectLinks:
    """The curated relations of one item, each with the other item and the reason."""

    programmes: list[LinkedItem] = field(default_factory=list)  # the programmes this item is a part of
    parts: list[LinkedItem] = field(default_factory=list)  # the parts of this programme
    primary: LinkedItem | None = None  # the listing that counts, when this one is another listing
    other_listings: list[LinkedItem] = field(default_factory=list)  # other listings of this (primary) work


# The statements of a project's page, made once: making them took a page longer than running them.
_PROJECT_WITH_PLAN = (
    select(Project, Plan, PlanColumn, Sector)
    .join(Plan, Plan.id == Project.plan_id)
    .join(PlanColumn, PlanColumn.id == Project.column_id)
    .join(Sector, Sector.code == Project.sector_code)
    .where(Project.code == sa.bindparam("code"))
)
_DIVISIONS_OF = (
    select(Division)
    .join(ProjectDivision, ProjectDivision.division_code == Division.code)
    .where(ProjectDivision.project_id == sa.bindparam("project_id"))
    .order_by(Division.code)
)
_OTHER = sa.orm.aliased(Project, name="other")  # the other item of a link


def _links_statement(this: QueryableAttribute, other: QueryableAttribute) -> sa.Select:
    return (
        sa.select(ProjectLink.relation, _OTHER.code, _OTHER.name, ProjectLink.reason)
        .join(_OTHER, _OTHER.id == other)
        .where(this == sa.bindparam("project_id"))
        .order_by(_OTHER.code)
    )


_OUTGOING = _links_statement(ProjectLink.project_id, ProjectLink.target_id)
_INCOMING = _links_statement(ProjectLink.target_id, ProjectLink.project_id)


def project_detail(session: Session, code: str, *, status_history: bool = True) -> ProjectDetail:
    """A project with its plan, 专栏, sector, places and links; its status events unless
    `status_history` is false (the web page shows every kind of event, from history.events_of)."""
    found = session.execute(_PROJECT_WITH_PLAN, {"code": _project_code(code)}).first()
    if found is None:
        _unknown_project(session, code)
    project, plan, column, sector = found
    divisions = session.scalars(_DIVISIONS_OF, {"project_id": project.id}).all()
    return ProjectDetail(
        project,
        plan,
        column,
        sector,
        list(divisions),
        _status_history(session, id_of(project)) if status_history else [],
        project_links(session, id_of(project)),
    )


def project_links(session: Session, project_id: int) -> ProjectLinks:
    links = ProjectLinks()
    for relation, code, name, reason in plain_rows(session, _OUTGOING, {"project_id": project_id}):
        if relation == "part_of":
            links.programmes.append(LinkedItem(code, name, reason))
        else:
            links.primary = LinkedItem(code, name, reason)
    for relation, code, name, reason in plain_rows(session, _INCOMING, {"project_id": project_id}):
        (links.parts if relation == "part_of" else links.other_listings).append(LinkedItem(code, name, reason))
    return links


def history(session: Session, code: str) -> list[StatusEvent]:
    return _status_history(session, id_of(get_project(session, code)))


def _status_history(session: Session, project_id: int) -> list[StatusEvent]:
    return list(
        session.exec(
            select(StatusEvent)
            .where(StatusEvent.project_id == project_id)
            .order_by(StatusEvent.effective_date, StatusEvent.id)
        ).all()
    )


# --- summaries ---------------------------------------------------------------------

DIMENSIONS = ("county", "prefecture", "sector", "plan", "status", "kind", "column")
_COUNTY = sa.orm.aliased(Division, name="county")


def _key(name: str) -> sa.SQLColumnExpression:
    """What a dimension groups by: codes and ids, never names. Names repeat (two 城关区), and
    joining the tables that hold them for a million rows costs more than naming the few groups
    after (`_named`)."""
    if name == "county":
        return ProjectDivision.division_code
    if name == "prefecture":
        return sa.case((_COUNTY.level.in_(("county", "zone")), _COUNTY.parent_code), else_=_COUNTY.code)
    return {
        "sector": Project.sector_code,
        "plan": Project.plan_id,
        "column": Project.column_id,
        "status": Project.status,
        "kind": Project.kind,
        "level": Project.level,  # a facet of the project list, not a summary dimension
    }[name]


class _Name(NamedTuple):
    """How one key of a dimension is shown and ordered."""

    value: str  # what a filter takes
    label: str  # what people read
    order: tuple
    group: str | None = None  # counties: their prefecture
    facet_label: str | None = None  # 专栏: its number and title in a facet


def _named(session: Session, name: str, keys: Collection | None = None) -> dict:
    """{key: _Name} for the keys of one dimension (every key when None): counties in GB/T 2260
    order, statuses in lifecycle order; a name two divisions share gets its prefecture beside it
    (城关区(拉萨市))."""
    if name in ("county", "prefecture"):
        return _division_named(session, name, keys)
    if name == "sector":
        sectors = session.execute(sa.select(Sector.code, Sector.label_zh)).all()
        return {code: _Name(code, label, (code,)) for code, label in sectors}
    if name == "plan":
        plans = _only(sa.select(Plan.id, Plan.key), Plan.id, keys)
        return {id_: _Name(key, key, (key,)) for id_, key in session.execute(plans)}
    if name == "column":
        columns = _only(
            sa.select(PlanColumn.id, Plan.key, PlanColumn.number, PlanColumn.title).join(
                Plan, Plan.id == PlanColumn.plan_id
            ),
            PlanColumn.id,
            keys,
        )
        return {
            id_: _Name(str(number), f"{key} 专栏{number}", (key, number), facet_label=f"专栏{number} {title}")
            for id_, key, number, title in session.execute(columns)
        }
    vocabulary = {"status": vocab.Status, "kind": vocab.ProjectKind, "level": vocab.ProjectLevel}[name]
    return {
        member.value: _Name(member.value, member.label if name == "kind" else member.value, (rank,))
        for rank, member in enumerate(vocabulary)
    }


def _only(statement: sa.Select, key: QueryableAttribute, keys: Collection | None) -> sa.Select:
    """`statement` narrowed to the rows of `keys` (a facet names a few of 1,276 专栏 at national
    size: naming them all took 5 ms a facet); every row when None or too many for one IN list."""
    if keys is None or len(keys) > IN_LIST_SIZE:
        return statement
    return statement.where(key.in_([value for value in keys if value is not None]))


def _division_named(session: Session, name: str, keys: Collection | None) -> dict:
    """Counties (or prefectures) named as `_named` names them, reading only the divisions asked
    for and their parents: a facet of one county at national size needs two rows, not the
    gazetteer's thousands."""
    columns = sa.select(Division.code, Division.name, Division.parent_code, Division.level)
    codes = None if keys is None else {str(key) for key in keys}
    divisions = session.execute(_only(columns, Division.code, codes)).all()
    plain = {code: text for code, text, _parent, _level in divisions}
    parents = {parent for _code, _text, parent, _level in divisions if parent and parent not in plain}
    if parents:
        plain.update(session.execute(sa.select(Division.code, Division.name).where(Division.code.in_(parents))).all())
    shared_names = sa.select(Division.name).group_by(Division.name).having(sa.func.count() > 1)
    shared = set(session.execute(_only(shared_names, Division.name, set(plain.values()))).scalars())
    names = {
        code: vocab.shown_division_name(text, plain.get(parent), text in shared)
        for code, text, parent, _level in divisions
    }
    if name == "prefecture":
        return {code: _Name(code, names[code], (code,)) for code in names}
    return {
        code: _Name(
            code,
            vocab.division_label(names[code], level),
            (code,),
            plain[code] if level == vocab.DivisionLevel.PREFECTURE else plain.get(parent),
        )
        for code, _text, parent, level in divisions
    }


def summary_total(session: Session, flt: ProjectFilter, *, count: str = "works") -> int:
    """The 合计 of a summary: every work (or listing) matching, each once, whatever its counties."""
    rows = summary(session, flt, None, count=count)
    return rows[0][-1] if rows else 0


def summary(
    session: Session, flt: ProjectFilter, by: str | None, then: str | None = None, *, count: str = "works"
) -> list[tuple]:
    """(value, [then-value,] count) rows, ordered by the last dimension first; with no dimension
    (by=None), one (count,) row.

    count="works" counts each work once (see `_works_only`); "listings" counts every item of the plans.
    Either way a work (or item) standing in several counties counts once under each of them.
    """
    dims = [name for name in (by, then) if name is not None]
    for name in dims:
        if name not in DIMENSIONS:
            raise UserInputError(f"unknown summary dimension {name!r}; allowed: {', '.join(DIMENSIONS)}")
    _check_count(count)
    rows = _tallied(session, flt, dims)
    if count == "works":
        rows = _works_only(session, flt, dims, rows)
    return _labelled(session, dims, rows)


def _check_count(count: str) -> None:
    if count not in COUNTS:
        raise UserInputError(f"unknown count {count!r}; allowed: works (each work once), listings (every item)")


def _tallied(session: Session, flt: ProjectFilter, dims: list[str]) -> list[tuple]:
    """(key, [key,] listings) rows, from the kept counts where they answer, else in one grouped
    pass over the projects."""
    counted = _from_tally(session, flt, dims)
    if counted is not None:
        return counted
    # A project has one row per county it stands in, and may have several in one prefecture.
    tally = sa.func.count(sa.distinct(Project.id)) if "prefecture" in dims else sa.func.count()
    keys = [_key(name) for name in dims]
    statement = _summary_statement(session, flt, dims, (*keys, tally))
    if keys:
        statement = statement.group_by(*keys)
    return [tuple(row) for row in session.execute(statement) if row[-1]]


def _labelled(session: Session, dims: list[str], rows: list[tuple]) -> list[tuple]:
    """Key rows -> labelled rows in the summary's order: the last dimension's order first (the
    pivot takes its columns from it); sectors alone largest first."""
    if not dims:
        return rows
    ranks, labels = [], []
    for i, name in enumerate(dims):
        keys = {row[i] for row in rows}
        found = _named(session, name, keys)
        # a key the tables do not name (a database edited by hand) goes last
        ordered = sorted(keys, key=lambda key: (0, found[key].order) if key in found else (1, str(key)))
        ranks.append({key: rank for rank, key in enumerate(ordered)})
        labels.append({key: found[key].label if key in found else key for key in keys})
    if len(dims) == 1:
        (rank,), (label,) = ranks, labels
        ranked = sorted(rows, key=lambda row: rank[row[0]])
        if dims == ["sector"]:
            ranked.sort(key=lambda row: -row[-1])  # stable: ties keep the sector order
        return [(label[key], n) for key, n in ranked]
    (first_rank, rank), (first_label, label) = ranks, labels
    width = len(first_rank)
    ranked = sorted(rows, key=lambda row: rank[row[1]] * width + first_rank[row[0]])
    return [(first_label[first], label[key], n) for first, key, n in ranked]


def _summary_statement(
    session: Session, flt: ProjectFilter, dims: list[str], columns, *, placed: bool = False
) -> sa.Select:
    """The summary's query; `placed` (or a place dimension) gives one row per county of each project."""
    statement = select_matching(session, flt, columns)
    if placed or {"county", "prefecture"} & set(dims):
        statement = statement.join(ProjectDivision, ProjectDivision.project_id == Project.id)
        if flt.division_codes:
            statement = statement.where(ProjectDivision.division_code.in_(flt.division_codes))
    if "prefecture" in dims:
        statement = statement.join(_COUNTY, _COUNTY.code == ProjectDivision.division_code)
    return statement


# A work has one value of these, its representative listing's; of the others (where it stands,
# the plans and 专栏 that list it) it may have several.
_SINGLE_VALUED = ("sector", "status", "kind", "level")


# made once: a list page reads it nine times (its counts and facets)
_EVERY_LINK = sa.select(ProjectLink.project_id, ProjectLink.target_id, ProjectLink.relation)


def _works_only(session: Session, flt: ProjectFilter, dims: list[str], rows: list[tuple]) -> list[tuple]:
    """Listing counts -> work counts, by the rule of seeds/FORMAT.md ("Counting works"):

    - the listings of a same_work group are one work, represented by its primary listing: it
      matches when one of its listings does and the primary meets the filter's conditions on
      status, sector, kind, level (and light); it counts once in each row one of its matching
      listings falls in (its places, plans, 专栏), under the primary's status, sector, kind, level;
    - a programme is a work only in the counties where no item below it (at any depth, whatever
      the filter) stands: there its parts are the finer level and represent the work. Where it
      stands elsewhere it counts once, with its own status, sector, kind and level.

    The works are thus the same whatever the filter, and each has one value of a single-valued
    dimension: the rows of such a summary add up to its total, and a row counts what filtering by
    its value counts. Only linked items are looked at again (one query more without links).
    """
    links = plain_rows(session, _EVERY_LINK).all()
    if not links:
        return rows
    primary_of = {item: target for item, target, relation in links if relation == "same_work"}
    descendants = _descendants([(item, target) for item, target, relation in links if relation == "part_of"])
    linked = set(primary_of) | set(primary_of.values()) | set(descendants)
    placed = _placed_cells(session, flt, dims, linked)
    covered = _covered_counties(session, descendants, primary_of)
    representatives = _representatives(session, flt, primary_of, placed)
    change: dict[tuple, int] = defaultdict(int)
    for found in placed.values():  # what the grouped count gave these listings, taken back
        for cell in {cell for _county, cell in found}:
            change[cell] -= 1
    members: dict[int, list[int]] = defaultdict(list)
    for item in placed:
        members[primary_of.get(item, item)].append(item)
    single = [i for i, name in enumerate(dims) if name in _SINGLE_VALUED]
    for work, listed in members.items():
        values = representatives.get(work)
        if work in primary_of.values() and values is None:
            continue  # its primary is outside the filter's single-valued conditions
        cells = {cell for item in listed for county, cell in placed[item] if county not in covered.get(work, ())}
        if values is not None:
            cells = {tuple(values[dims[i]] if i in single else key for i, key in enumerate(cell)) for cell in cells}
        for cell in cells:
            change[cell] += 1
    counted: dict[tuple, int] = {tuple(row[:-1]): row[-1] for row in rows}
    for cell, delta in change.items():
        counted[cell] = counted.get(cell, 0) + delta
    return [(*cell, n) for cell, n in counted.items() if n > 0]


def _descendants(part_of: Sequence[Sequence[int]]) -> dict[int, set[int]]:
    """Every programme with parts -> all items below it (parts, parts of parts …)."""
    children: dict[int, set[int]] = defaultdict(set)
    for part, whole in part_of:
        children[whole].add(part)
    found: dict[int, set[int]] = {}

    def below(whole: int, seen: frozenset) -> set[int]:
        if whole not in found:
            items = set()
            for child in children.get(whole, ()):
                if child not in seen:  # the seeds forbid cycles; a database edited by hand may not
                    items |= {child} | below(child, seen | {child})
            found[whole] = items
        return found[whole]

    for whole in list(children):
        below(whole, frozenset({whole}))
    return found


def _placed_cells(
    session: Session, flt: ProjectFilter, dims: list[str], ids: set[int]
) -> dict[int, list[tuple[str, tuple]]]:
    """(county, summary row key) for each county of each of `ids` the filter matches; absent if
    filtered out."""
    keys = [_key(name) for name in dims]
    placed: dict[int, list[tuple[str, tuple]]] = defaultdict(list)
    columns = (Project.id, ProjectDivision.division_code, *keys)
    for chunk in chunked(sorted(ids)):
        statement = _summary_statement(session, flt, dims, columns, placed=True).where(Project.id.in_(chunk))
        for project_id, county, *values in session.execute(statement):
            placed[project_id].append((county, tuple(values)))
    return placed


def _covered_counties(
    session: Session, descendants: dict[int, set[int]], primary_of: dict[int, int]
) -> dict[int, set[str]]:
    """{work: the counties where an item below one of its listings stands}: there the finer items count."""
    below = set().union(*descendants.values()) if descendants else set()
    stands: dict[int, set[str]] = defaultdict(set)
    for chunk in chunked(sorted(below)):
        statement = sa.select(ProjectDivision.project_id, ProjectDivision.division_code).where(
            ProjectDivision.project_id.in_(chunk)
        )
        for project_id, county in session.execute(statement):
            stands[project_id].add(county)
    covered: dict[int, set[str]] = defaultdict(set)
    for whole, items in descendants.items():
        work = primary_of.get(whole, whole)
        for item in items:
            covered[work] |= stands[item]
    return covered


def _representatives(
    session: Session, flt: ProjectFilter, primary_of: dict[int, int], placed: dict[int, list]
) -> dict[int, dict[str, str]]:
    """{primary: its status, sector, kind, level} for each same_work group with a listing in the
    filter's set whose primary meets the filter's single-valued conditions (the others do not count)."""
    columns = (Project.id, Project.sector_code, Project.status, Project.kind, Project.level)
    primaries = {primary for item, primary in primary_of.items() if item in placed or primary in placed}
    single_only = ProjectFilter(
        sectors=flt.sectors,
        statuses=flt.statuses,
        kinds=flt.kinds,
        levels=flt.levels,
        include_withdrawn=flt.include_withdrawn,
        project_ids=flt.project_ids,
    )
    found: dict[int, dict[str, str]] = {}
    for chunk in chunked(sorted(primaries)):
        statement = select_matching(session, single_only, columns).where(Project.id.in_(chunk))
        for project_id, *values in session.execute(statement):
            found[project_id] = dict(zip(_SINGLE_VALUED, values))
    return found


def _from_tally(session: Session, flt: ProjectFilter, dims: list[str]) -> list[tuple] | None:
    """(key, [key,] listings) rows from the kept counts (summary_tally), or None where they cannot
    answer: every condition of the filter must be one of their values, and a filter of counties
    either the summary's own county dimension or one county alone (where each project stands once)."""
    scope = _tally_scope(flt, dims)
    if scope is None:
        return None
    # A county lies in one prefecture: counted by county, it is given its prefecture after.
    grouped = [name for name in dims if not (name == "prefecture" and scope == "county")]
    values = {
        "places": flt.division_codes,
        "sectors": flt.sectors,
        "statuses": flt.statuses,
        "kinds": flt.kinds,
        "levels": flt.levels,
        "plan_keys": flt.plan_keys,
        "column": flt.column,
    }
    given = {name: value for name, value in values.items() if value or (name == "column" and value is not None)}
    statement = _tally_statement(scope, tuple(grouped), frozenset(given), flt.include_withdrawn)
    if scope == "county" and grouped and not flt.division_codes and session.get_bind().dialect.name == "postgresql":
        # county x sector groups 373,000 rows into 77,000 at national size: in memory, not on disk
        # (for the rest of this transaction)
        session.execute(sa.text("SET LOCAL work_mem = '64MB'"))
    rows = [tuple(row) for row in plain_rows(session, statement, given) if row[-1]]
    if grouped == dims:
        return rows
    prefecture_of = dict(session.execute(sa.select(_COUNTY.code, _key("prefecture"))).all())
    if dims[0] == "county":
        return [(county, prefecture_of.get(county, county), n) for county, n in rows]
    return [(prefecture_of.get(county, county), county, n) for county, n in rows]


_TALLY_CONDITIONS = {
    "places": SummaryTally.place,
    "sectors": SummaryTally.sector_code,
    "statuses": SummaryTally.status,
    "kinds": SummaryTally.kind,
    "levels": SummaryTally.level,
}


@cache  # a list page asks for nine of these: making them cost more than running them
def _tally_statement(scope: str, grouped: tuple[str, ...], given: frozenset[str], withdrawn: bool) -> sa.Select:
    """The query of `_from_tally` for one shape of filter; the filter's values are its parameters."""
    keys = [_tally_key(name) for name in grouped]
    statement = sa.select(*keys, sa.func.sum(SummaryTally.n)).where(SummaryTally.scope == scope)
    for name, column in _TALLY_CONDITIONS.items():
        if name in given:
            statement = statement.where(column.in_(sa.bindparam(name, expanding=True)))
    if "plan_keys" in given:
        plans = sa.select(Plan.id).where(Plan.key.in_(sa.bindparam("plan_keys", expanding=True)))
        statement = statement.where(SummaryTally.plan_id.in_(plans))
    if "column" in given:
        columns = sa.select(PlanColumn.id).where(PlanColumn.number == sa.bindparam("column"))
        statement = statement.where(SummaryTally.column_id.in_(columns))
    if not withdrawn:
        statement = statement.where(SummaryTally.in_seeds.is_(True))
    return statement.group_by(*keys) if keys else statement


# What summary_tally's columns can answer. Any other condition of a filter (search, tier, a set of
# projects, and whatever is added to ProjectFilter later) sends a summary to the rows.
_TALLY_ANSWERS = {
    "division_codes",
    "sectors",
    "plan_keys",
    "column",
    "statuses",
    "kinds",
    "levels",
    "include_withdrawn",
}
_NO_FILTER = ProjectFilter()


def _tally_scope(flt: ProjectFilter, dims: list[str]) -> str | None:
    """Which counts of summary_tally answer the summary, if any."""
    if any(
        getattr(flt, name) != getattr(_NO_FILTER, name)
        for name in (each.name for each in fields(ProjectFilter))
        if name not in _TALLY_ANSWERS
    ):
        return None
    if "county" in dims or (len(flt.division_codes) == 1 and "prefecture" not in dims):
        return "county"
    if flt.division_codes:
        return None
    return "prefecture" if "prefecture" in dims else "all"


def _tally_key(name: str) -> sa.SQLColumnExpression:
    """`_key` read off summary_tally (a county, or a prefecture at the prefecture scope, is its place)."""
    if name in ("county", "prefecture"):
        return SummaryTally.place
    return getattr(SummaryTally, cast("QueryableAttribute", _key(name)).key)  # the project's column of that name


# --- facets --------------------------------------------------------------------------

FACETS = ("county", "sector", "plan", "column", "status", "kind", "level")


@dataclass(frozen=True)
class FacetValue:
    value: str  # what a filter takes: division code, sector code, plan key, 专栏 number, status, kind
    label: str  # what people read; the same label `summary` shows
    count: int
    group: str | None = None  # counties: their prefecture


def facet(session: Session, flt: ProjectFilter, name: str, *, count: str = "works") -> list[FacetValue]:
    """Counts of the matching projects by one dimension, with the value a filter takes.

    The counts are those of `summary(session, flt, name, count=count)`: each work once by default,
    every item with count="listings"; a work counts under each county it stands in. The 专栏
    facet needs exactly one plan in the filter.
    """
    if name not in FACETS:
        raise UserInputError(f"unknown facet {name!r}; allowed: {', '.join(FACETS)}")
    _check_count(count)
    if name == "column" and len(flt.plan_keys) != 1:
        return []
    rows = _tallied(session, flt, [name])
    if count == "works":
        rows = _works_only(session, flt, [name], rows)
    names = _named(session, name, {row[0] for row in rows})
    ranked = sorted((row for row in rows if row[0] in names), key=lambda row: names[row[0]].order)
    if name == "sector":
        ranked.sort(key=lambda row: -row[-1])  # largest first, as in the summary
    return [
        FacetValue(names[key].value, names[key].facet_label or names[key].label, n, names[key].group)
        for key, n in ranked
    ]


# --- reference lists ----------------------------------------------------------------


def counties(session: Session, prefecture: str | None = None) -> list[CountyRow]:
    counts = (
        sa.select(ProjectDivision.division_code, sa.func.count().label("n"))
        .group_by(ProjectDivision.division_code)
        .subquery()
    )
    parent = sa.orm.aliased(Division)
    statement = (
        sa.select(
            Division.code,
            Division.name,
            Division.level,
            Division.parent_code.label("parent"),
            parent.name.label("parent_label"),
            Division.short_name,
            Division.aliases,
            Division.official,
            sa.func.coalesce(counts.c.n, 0).label("projects"),
        )
        .outerjoin(parent, parent.code == Division.parent_code)
        .outerjoin(counts, counts.c.division_code == Division.code)
    )
    if prefecture:
        code = resolve_divisions(session, [], prefecture=prefecture)
        statement = statement.where(Division.code.in_(code))
    return [
        build_row(CountyRow, {**row, "aliases": row["aliases"].split("|") if row["aliases"] else []})
        for row in session.execute(statement.order_by(Division.code)).mappings()
    ]


def plans(session: Session) -> list[PlanRow]:
    projects = sa.select(Project.plan_id, sa.func.count().label("n")).group_by(Project.plan_id).subquery()
    columns = sa.select(PlanColumn.plan_id, sa.func.count().label("n")).group_by(PlanColumn.plan_id).subquery()
    indicators = sa.select(Indicator.plan_id, sa.func.count().label("n")).group_by(Indicator.plan_id).subquery()
    statement = (
        sa.select(
            Plan.key,
            Plan.title,
            Plan.region_code,
            Division.name,
            Plan.period_start,
            Plan.period_end,
            Plan.issued,
            Plan.document_kind,
            sa.func.coalesce(columns.c.n, 0),
            sa.func.coalesce(projects.c.n, 0),
            sa.func.coalesce(indicators.c.n, 0),
        )
        .join(Division, Division.code == Plan.region_code)
        .outerjoin(projects, projects.c.plan_id == Plan.id)
        .outerjoin(columns, columns.c.plan_id == Plan.id)
        .outerjoin(indicators, indicators.c.plan_id == Plan.id)
        .order_by(Plan.key)
    )
    return [
        build_row(
            PlanRow,
            {
                "key": key,
                "title": title,
                "region": region,
                "region_label": region_label,
                "period": f"{start}–{end}",
                "issued": issued,
                "kind": kind,
                "columns": c,
                "projects": p,
                "indicators": i,
            },
        )
        for key, title, region, region_label, start, end, issued, kind, c, p, i in session.execute(statement)
    ]


def columns(session: Session, plan_key: str | None = None) -> list[ColumnRow]:
    counts = (
        sa.select(
            Project.column_id,
            sa.func.count().label("n"),
            sa.func.sum(sa.case((Project.kind == vocab.ProjectKind.PROGRAMME.value, 1), else_=0)).label("programmes"),
        )
        .group_by(Project.column_id)
        .subquery()
    )
    places = sa.select(Place.column_id, sa.func.count().label("n")).group_by(Place.column_id).subquery()
    statement = (
        sa.select(
            Plan.key.label("plan"),
            PlanColumn.number,
            PlanColumn.title,
            PlanColumn.kind,
            (sa.func.coalesce(counts.c.n, 0) - sa.func.coalesce(counts.c.programmes, 0)).label("projects"),
            sa.func.coalesce(counts.c.programmes, 0).label("programmes"),
            sa.func.coalesce(places.c.n, 0).label("places"),
        )
        .join(Plan, Plan.id == PlanColumn.plan_id)
        .outerjoin(counts, counts.c.column_id == PlanColumn.id)
        .outerjoin(places, places.c.column_id == PlanColumn.id)
    )
    if plan_key:
        statement = statement.where(Plan.key == plan_key)
    return [
        build_row(ColumnRow, dict(row))
        for row in session.execute(statement.order_by(Plan.key, PlanColumn.number)).mappings()
    ]


def sectors(session: Session) -> list[SectorRow]:
    counts = sa.select(Project.sector_code, sa.func.count().label("n")).group_by(Project.sector_code).subquery()
    statement = (
        sa.select(
            Sector.code,
            Sector.label_zh,
            Sector.label_en,
            Sector.oc4ids,
            sa.func.coalesce(counts.c.n, 0).label("projects"),
        )
        .outerjoin(counts, counts.c.sector_code == Sector.code)
        .order_by(Sector.code)
    )
    return [SectorRow(**row) for row in session.execute(statement).mappings()]


def indicators(session: Session, plan_key: str | None = None) -> list[IndicatorRow]:
    statement = sa.select(
        Indicator.code,
        Plan.key.label("plan"),
        Indicator.table_label.label("table"),
        Indicator.section,
        Indicator.name,
        Indicator.scope,
        Indicator.unit,
        Indicator.baseline_label,
        Indicator.baseline,
        Indicator.target_label,
        Indicator.target,
        Indicator.attribute,
        Indicator.baseline_value,
        Indicator.target_value,
        Indicator.source_line.label("line"),
    ).join(Plan, Plan.id == Indicator.plan_id)
    if plan_key:
        statement = statement.where(Plan.key == plan_key)
    return [
        build_row(IndicatorRow, dict(row)) for row in session.execute(statement.order_by(Indicator.code)).mappings()
    ]


def places(session: Session, plan_key: str | None = None) -> list[PlaceRow]:
    statement = (
        sa.select(
            Plan.key.label("plan"),
            PlanColumn.number.label("column"),
            Place.role,
            Place.name,
            Place.division_code.label("county"),
            Division.name.label("county_label"),
            Place.source_line.label("line"),
        )
        .join(PlanColumn, PlanColumn.id == Place.column_id)
        .join(Plan, Plan.id == PlanColumn.plan_id)
        .join(Division, Division.code == Place.division_code)
    )
    if plan_key:
        statement = statement.where(Plan.key == plan_key)
    rows = session.execute(statement.order_by(Plan.key, PlanColumn.number, Place.id)).mappings()
    return [PlaceRow(**row) for row in rows]


def table_counts(session: Session) -> list[TableCount]:
    from sqlmodel import SQLModel

    return [
        TableCount(name, session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
        for name, table in SQLModel.metadata.tables.items()
    ]
