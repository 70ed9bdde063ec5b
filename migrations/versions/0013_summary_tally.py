"""Counts kept as the data changes, so a summary at national size reads thousands of rows, not millions.

A summary or facet grouped by anything but county read every project (and every county link)
and sorted them: 0.7-2.7 s at 1,000,000 projects. summary_tally holds the number of projects of
each combination of the values a summary groups or filters by, at three scopes:

- 'all': every project once (place '');
- 'county': every project once in each county (or zone, or prefecture itself) it stands in;
- 'prefecture': every project once in each prefecture it stands in, however many of its counties.

Triggers on project, project_division and division (a county moved to another prefecture) keep
it in step on both engines, so other writers (the seed loader, a report import, the sqlite3 shell)
keep it current too; SQLite's REPLACE, which deletes a row without its delete triggers, does not.
A count that falls to 0 stays as a row of 0. A project's links are deleted before the project,
while its values can still be read. On PostgreSQL every trigger first takes a transaction lock of
its own: two writers that move counts in opposite directions
would otherwise lock the same rows in opposite orders. The library's writers lock all their
project rows before they write, so this lock, taken after them, cannot close a cycle among them (a
writer outside the library can, and PostgreSQL then ends one of the two with a deadlock error). An
update that moves no count returns before the lock.

The triggers need SQLite 3.24 (upsert) and PostgreSQL 11 (EXECUTE FUNCTION; statement triggers
with transition tables came in 10).

Recreating the project, project_division or division table (a batch migration on SQLite) drops
these triggers; a later migration that does so must create them again.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# What a summary groups or filters by, besides the place. Copied here: a migration must not change
# when live code does.
VALUES = ("sector_code", "plan_id", "column_id", "status", "kind", "level", "in_seeds")
KEY = ("scope", "place", *VALUES)
TALLY_LOCK_KEY = 0x706F6374  # "poct"; db.py holds the other keys, which it must not equal


def _prefecture_of_row(division: str) -> str:
    """The prefecture of the division row `division` (a trigger's old or new, or a table alias)."""
    return f"CASE WHEN {division}.level IN ('county', 'zone') THEN {division}.parent_code ELSE {division}.code END"


def _prefecture_of(code: str) -> str:
    """The prefecture of the division whose code is `code`."""
    return f"(SELECT {_prefecture_of_row('v')} FROM division v WHERE v.code = {code})"


UPSERT = f" ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET n = summary_tally.n + excluded.n"


def _add(scope: str, place: str, project: str, delta: int, source: str, where: str, *, distinct: bool = False) -> str:
    """Add `delta` to the count of each row `source` gives (one project's values, at one place)."""
    values = ", ".join(f"{project}.{column}" for column in VALUES)
    chosen = "DISTINCT " if distinct else ""
    return (
        f"INSERT INTO summary_tally ({', '.join(KEY)}, n)"
        f" SELECT {chosen}'{scope}', {place}, {values}, {delta} FROM {source} WHERE {where}{UPSERT}"
    )


# --- SQLite: row triggers, each run as its row changes --------------------------------------


def _project_counts(project: str, delta: int) -> str:
    """The 'all' count of `project` (old or new), from the trigger's row itself."""
    values = ", ".join(f"{project}.{column}" for column in VALUES)
    return f"INSERT INTO summary_tally ({', '.join(KEY)}, n) VALUES ('all', '', {values}, {delta}){UPSERT}"


def _place_counts(project: str, delta: int) -> list[str]:
    """Every county and prefecture count of `project` (old or new values), for each of its links."""
    links, where = "project_division d", "d.project_id = new.id"
    return [
        _add("county", "d.division_code", project, delta, links, where),
        _add("prefecture", _prefecture_of("d.division_code"), project, delta, links, where, distinct=True),
    ]


def _link_counts(link: str, delta: int, *, stored: bool) -> list[str]:
    """The counts one link (old or new) adds to or takes from: its prefecture's only when no other
    link of the project stands there. An AFTER trigger sees its row as now `stored` (new), if any."""
    prefecture = _prefecture_of(f"{link}.division_code")
    itself = " AND NOT (d.project_id = new.project_id AND d.division_code = new.division_code)" if stored else ""
    alone = (
        f"NOT EXISTS (SELECT 1 FROM project_division d WHERE d.project_id = {link}.project_id{itself}"
        f" AND {_prefecture_of('d.division_code')} = {prefecture})"
    )
    mine = f"p.id = {link}.project_id"
    return [
        _add("county", f"{link}.division_code", "p", delta, "project p", mine),
        _add("prefecture", prefecture, "p", delta, "project p", f"{mine} AND {alone}"),
    ]


def _division_counts(division: str, delta: int) -> str:
    """When a division changes prefecture: each project standing there leaves its old prefecture
    (old) or joins its new one (new), unless another of its links stands there too."""
    prefecture = _prefecture_of_row(division)
    alone = (
        "NOT EXISTS (SELECT 1 FROM project_division e WHERE e.project_id = d.project_id"
        f" AND e.division_code <> new.code AND {_prefecture_of('e.division_code')} = {prefecture})"
    )
    links = "project_division d JOIN project p ON p.id = d.project_id"
    return _add("prefecture", prefecture, "p", delta, links, f"d.division_code = new.code AND {alone}")


CHANGED = " OR ".join(f"old.{column} <> new.{column}" for column in VALUES)
MOVED = f"{_prefecture_of_row('old')} IS NOT {_prefecture_of_row('new')}"
UNLINK = "DELETE FROM project_division WHERE project_id = old.id"  # before the project, while it can be read

# name: (timing, event, table, condition or None, statements)
SQLITE_TRIGGERS = {
    "summary_tally_project_insert": ("AFTER", "INSERT", "project", None, [_project_counts("new", 1)]),
    "summary_tally_project_unlink": ("BEFORE", "DELETE", "project", None, [UNLINK]),
    "summary_tally_project_delete": ("AFTER", "DELETE", "project", None, [_project_counts("old", -1)]),
    "summary_tally_project_update": (
        "AFTER",
        f"UPDATE OF {', '.join(VALUES)}",
        "project",
        CHANGED,
        [_project_counts("old", -1), _project_counts("new", 1), *_place_counts("old", -1), *_place_counts("new", 1)],
    ),
    "summary_tally_link_insert": ("AFTER", "INSERT", "project_division", None, _link_counts("new", 1, stored=True)),
    "summary_tally_link_delete": ("AFTER", "DELETE", "project_division", None, _link_counts("old", -1, stored=False)),
    "summary_tally_link_update": (
        "AFTER",
        "UPDATE OF project_id, division_code",
        "project_division",
        None,
        [*_link_counts("old", -1, stored=True), *_link_counts("new", 1, stored=True)],
    ),
    "summary_tally_division_update": (
        "AFTER",
        "UPDATE OF parent_code, level",
        "division",
        MOVED,
        [_division_counts("old", -1), _division_counts("new", 1)],
    ),
}


def _sqlite_trigger(name: str, timing: str, event: str, table: str, condition: str | None, body: list[str]) -> str:
    when = f" WHEN {condition}" if condition else ""
    statements = "".join(f"\n    {statement};" for statement in body)
    return f"CREATE TRIGGER {name} {timing} {event} ON {table} FOR EACH ROW{when} BEGIN{statements}\nEND"


# --- PostgreSQL: statement triggers over the rows the statement changed ---------------------
# Row triggers will not do: an AFTER row trigger of a statement that deletes three links of one
# project runs when all three are gone, so each would take the prefecture's count down.

OLD_PREFECTURE = _prefecture_of_row("o")
DIVISIONS_MOVED = (
    f"SELECT o.code, {OLD_PREFECTURE} AS before FROM o JOIN n ON n.code = o.code"
    f" WHERE {OLD_PREFECTURE} IS DISTINCT FROM {_prefecture_of_row('n')}"
)
# An UPDATE that moves no count (a project's contact, a link's copy of the sector) returns before
# taking the lock, so it does not wait for other writers.
PROJECTS_MOVED = (
    "SELECT 1 FROM o JOIN n ON n.id = o.id"
    f" WHERE ({', '.join(f'o.{c}' for c in VALUES)}) IS DISTINCT FROM ({', '.join(f'n.{c}' for c in VALUES)})"
)
LINKS_MOVED = (
    "(SELECT project_id, division_code FROM n EXCEPT ALL SELECT project_id, division_code FROM o)"
    " UNION ALL (SELECT project_id, division_code FROM o EXCEPT ALL SELECT project_id, division_code FROM n)"
)
NO_ROWS = "(SELECT NULL::integer AS project_id, NULL::varchar AS division_code WHERE false) AS no_rows"
PREFECTURE = _prefecture_of_row("v")  # of a division joined as v


def _sum_into_tally(rows: str) -> str:
    """Add up `rows` (scope, place, the values, n) by key into summary_tally."""
    key = ", ".join(KEY)
    return (
        f"INSERT INTO summary_tally ({key}, n) SELECT {key}, sum(n) FROM ({rows}) AS counted ({key}, n)"
        f" GROUP BY {key} HAVING sum(n) <> 0{UPSERT}"
    )


def _links_changed(added: str, removed: str) -> str:
    """The counts a statement's links (`added`, `removed`: the transition tables) move: each county
    by the links it gained or lost, each prefecture by whether the project stood there before and
    stands there now (now: its links there; before: now less those added plus those removed)."""
    values = ", ".join(f"p.{column}" for column in VALUES)
    changed = (
        f"SELECT c.project_id, c.division_code, c.sign, {PREFECTURE} AS prefecture FROM"
        f" (SELECT project_id, division_code, 1 AS sign FROM {added}"
        f" UNION ALL SELECT project_id, division_code, -1 FROM {removed}) c"
        " JOIN division v ON v.code = c.division_code"
    )
    standing = (
        f"SELECT d.project_id, {PREFECTURE} AS prefecture, count(*) AS links FROM project_division d"
        " JOIN division v ON v.code = d.division_code"
        " WHERE d.project_id IN (SELECT project_id FROM changed) GROUP BY 1, 2"
    )
    moved = (
        "SELECT g.project_id, g.prefecture,"
        " (coalesce(s.links, 0) > 0)::integer - (coalesce(s.links, 0) - g.moved > 0)::integer AS sign"
        " FROM (SELECT project_id, prefecture, sum(sign) AS moved FROM changed GROUP BY 1, 2) g"
        " LEFT JOIN standing s ON s.project_id = g.project_id AND s.prefecture = g.prefecture"
    )
    rows = (
        f"SELECT 'county' AS scope, c.division_code AS place, {values}, c.sign AS n"
        " FROM changed c JOIN project p ON p.id = c.project_id"
        f" UNION ALL SELECT 'prefecture', m.prefecture, {values}, m.sign"
        " FROM moved m JOIN project p ON p.id = m.project_id WHERE m.sign <> 0"
    )
    return f"WITH changed AS ({changed}), standing AS ({standing}), moved AS ({moved}) " + _sum_into_tally(rows)


def _projects_changed() -> str:
    """The counts moved by projects whose values changed: out of the old values, into the new,
    at every place each stands."""
    old = ", ".join(f"o.{column}" for column in VALUES)
    new = ", ".join(f"n.{column}" for column in VALUES)
    differ = f"({old}) IS DISTINCT FROM ({new})"
    pairs = ", ".join(f"o.{column} AS old_{column}, n.{column} AS new_{column}" for column in VALUES)
    moved = f"SELECT o.id, {pairs} FROM o JOIN n ON n.id = o.id WHERE {differ}"
    mine = "d.project_id IN (SELECT id FROM moved)"
    at = (
        f"SELECT 'county' AS scope, d.project_id, d.division_code AS place FROM project_division d WHERE {mine}"
        f" UNION ALL SELECT DISTINCT 'prefecture', d.project_id, {PREFECTURE} FROM project_division d"
        f" JOIN division v ON v.code = d.division_code WHERE {mine}"
    )
    sides = []
    for side, sign in (("old", -1), ("new", 1)):
        values = ", ".join(f"m.{side}_{column}" for column in VALUES)
        sides.append(f"SELECT 'all', '', {values}, {sign} FROM moved m")
        sides.append(f"SELECT a.scope, a.place, {values}, {sign} FROM moved m JOIN at a ON a.project_id = m.id")
    return f"WITH moved AS ({moved}), at AS ({at}) " + _sum_into_tally(" UNION ALL ".join(sides))


def _divisions_changed() -> str:
    """The prefecture counts moved by divisions that changed prefecture: for each project standing
    in one, the prefectures of its links before (the changed divisions' old prefectures) and now."""
    values = ", ".join(f"p.{column}" for column in VALUES)
    links = (
        f"SELECT d.project_id, {PREFECTURE} AS now, coalesce(c.before, {PREFECTURE}) AS before"
        " FROM project_division d JOIN division v ON v.code = d.division_code"
        " LEFT JOIN changed c ON c.code = d.division_code"
        " WHERE d.project_id IN"
        " (SELECT e.project_id FROM project_division e JOIN changed f ON f.code = e.division_code)"
    )
    sides = (
        "SELECT DISTINCT project_id, now AS prefecture, 1 AS sign FROM links"
        " UNION ALL SELECT DISTINCT project_id, before, -1 FROM links"
    )
    rows = f"SELECT 'prefecture', s.prefecture, {values}, s.sign FROM sides s JOIN project p ON p.id = s.project_id"
    return f"WITH changed AS ({DIVISIONS_MOVED}), links AS ({links}), sides AS ({sides}) " + _sum_into_tally(rows)


def _projects_counted(table: str, sign: int) -> str:
    values = ", ".join(VALUES)
    return _sum_into_tally(f"SELECT 'all' AS scope, '' AS place, {values}, {sign} AS n FROM {table}")


BOTH = "OLD TABLE AS o NEW TABLE AS n"
# name: (event, table, transition tables, statement, what must exist for it to move a count)
POSTGRESQL_TRIGGERS = {
    "summary_tally_project_insert": ("INSERT", "project", "NEW TABLE AS n", _projects_counted("n", 1), None),
    "summary_tally_project_delete": ("DELETE", "project", "OLD TABLE AS o", _projects_counted("o", -1), None),
    "summary_tally_project_update": ("UPDATE", "project", BOTH, _projects_changed(), PROJECTS_MOVED),
    "summary_tally_link_insert": ("INSERT", "project_division", "NEW TABLE AS n", _links_changed("n", NO_ROWS), None),
    "summary_tally_link_delete": ("DELETE", "project_division", "OLD TABLE AS o", _links_changed(NO_ROWS, "o"), None),
    "summary_tally_link_update": ("UPDATE", "project_division", BOTH, _links_changed("n", "o"), LINKS_MOVED),
    "summary_tally_division_update": ("UPDATE", "division", BOTH, _divisions_changed(), DIVISIONS_MOVED),
}


def _postgresql_function(name: str, statements: list[str], result: str, moved: str | None = None) -> str:
    body = "".join(f"\n    {statement};" for statement in statements)
    unmoved = f"\n    IF NOT EXISTS ({moved}) THEN RETURN {result}; END IF;" if moved else ""
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN{unmoved}"
        f"\n    PERFORM pg_advisory_xact_lock({TALLY_LOCK_KEY});{body}\n    RETURN {result};\nEND $$"
    )


def _postgresql_triggers() -> list[str]:
    created = [
        _postgresql_function("summary_tally_project_unlink", [UNLINK], "old"),  # NULL would skip the delete
        "CREATE TRIGGER summary_tally_project_unlink BEFORE DELETE ON project"
        " FOR EACH ROW EXECUTE FUNCTION summary_tally_project_unlink()",
    ]
    for name, (event, table, transition, statement, moved) in POSTGRESQL_TRIGGERS.items():
        created.append(_postgresql_function(name, [statement], "NULL", moved))
        created.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {transition}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    return created


FILL = [
    "INSERT INTO summary_tally ({key}, n) SELECT 'all', '', {values}, count(*) FROM project p GROUP BY {values}",
    "INSERT INTO summary_tally ({key}, n) SELECT 'county', d.division_code, {values}, count(*)"
    " FROM project p JOIN project_division d ON d.project_id = p.id GROUP BY d.division_code, {values}",
    "INSERT INTO summary_tally ({key}, n) SELECT 'prefecture', f.prefecture, {values}, count(*) FROM project p"
    " JOIN (SELECT DISTINCT d.project_id, {prefecture} AS prefecture FROM project_division d) f"
    " ON f.project_id = p.id GROUP BY f.prefecture, {values}",
]


def upgrade() -> None:
    op.create_table(
        "summary_tally",
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("place", sa.String(), nullable=False),
        sa.Column("sector_code", sa.String(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("column_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("in_seeds", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*KEY, name=op.f("pk_summary_tally")),
        sqlite_with_rowid=False,  # the rows in key order: a county's counts are read together
    )
    values = ", ".join(f"p.{column}" for column in VALUES)
    for statement in FILL:
        op.execute(statement.format(key=", ".join(KEY), values=values, prefecture=_prefecture_of("d.division_code")))
    if op.get_bind().dialect.name == "sqlite":
        for name, (timing, event, table, condition, body) in SQLITE_TRIGGERS.items():
            op.execute(_sqlite_trigger(name, timing, event, table, condition, body))
    else:
        for statement in _postgresql_triggers():
            op.execute(statement)
        op.execute("ANALYZE summary_tally")  # else the planner takes it for empty until autovacuum comes


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, (_timing, _event, table, _condition, _body) in SQLITE_TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else f" ON {table}"))
        if not sqlite:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table("summary_tally")
