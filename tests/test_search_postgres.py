"""PostgreSQL search: the pg_trgm index is used when it can be created, and search works without it."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from conftest import _admin_execute, _database_url, _postgres_admin_url
from sqlalchemy import create_engine, text

from portfolio import db, queries
from portfolio.models import Project


def _search_plan(url: str, term: str) -> str:
    """The plan of the search condition alone, with plain scans disabled so any usable index shows."""
    engine = db.make_engine(url)
    try:
        with db.session_scope(engine) as session:
            statement = sa.select(Project.code).where(queries.search_condition(session, term))
            session.execute(text("SET LOCAL enable_seqscan = off"))
            session.execute(text("SET LOCAL enable_indexscan = off"))
            compiled = statement.compile(engine)
            plan = session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars()
            return "\n".join(plan)
    finally:
        engine.dispose()


def _search_codes(url: str, term: str) -> list[str]:
    engine = db.make_engine(url)
    try:
        with db.session_scope(engine) as session:
            flt = queries.ProjectFilter(search=term)
            return sorted(row.code for row in queries.list_projects(session, flt))
    finally:
        engine.dispose()


def test_search_uses_the_trigram_index(postgres_seeded):
    assert "ix_project_search_trgm" in _search_plan(postgres_seeded, "污水处理厂")
    codes = _search_codes(postgres_seeded, "污水处理厂")
    assert codes and all(code.startswith(("CD14", "RKZ14", "LS15")) for code in codes)


def test_without_the_extension_privilege_search_still_works(postgres_seeded):
    admin = _postgres_admin_url()
    suffix = uuid.uuid4().hex[:10]
    role, database = f"portfolio_limited_{suffix}", f"portfolio_test_{suffix}"
    _admin_execute(admin, f"CREATE ROLE {role} LOGIN PASSWORD 'limited'")
    _admin_execute(admin, f'CREATE DATABASE "{database}"')
    try:
        _admin_execute(admin, f'REVOKE CREATE ON DATABASE "{database}" FROM PUBLIC')
        owner_url = _database_url(admin, database)
        _grant_schema(owner_url, role)
        from sqlalchemy.engine import make_url

        url = make_url(owner_url).set(username=role, password="limited").render_as_string(hide_password=False)
        engine = db.make_engine(url)
        try:
            db.ensure_current(engine)
            assert db.current_revision(engine) == db.SCHEMA_HEAD
            with engine.connect() as connection:
                indexes = connection.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'project'"))
                assert "ix_project_search_trgm" not in set(indexes.scalars())
        finally:
            engine.dispose()
        assert _search_codes(url, "污水处理厂") == _search_codes(postgres_seeded, "污水处理厂") != []
        assert "ix_project_search_bigram" in _search_plan(url, "污水处理厂")  # no trigram index: the pairs serve
    finally:
        _admin_execute(admin, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        _admin_execute(admin, f"DROP ROLE IF EXISTS {role}")


def _grant_schema(owner_url: str, role: str) -> None:
    engine = create_engine(db.resolve_database_url(owner_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f"GRANT CREATE, USAGE ON SCHEMA public TO {role}"))
    finally:
        engine.dispose()


def test_a_c_locale_database_drops_the_useless_trigram_index_and_says_what_it_needs(postgres_seeded, monkeypatch):
    """Under LC_CTYPE C pg_trgm sees no Chinese: the index would only slow search down."""
    admin = _postgres_admin_url()
    database = f"portfolio_test_c_{uuid.uuid4().hex[:10]}"
    _admin_execute(
        admin, f"CREATE DATABASE \"{database}\" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
    )
    try:
        url = _database_url(admin, database)
        engine = db.make_engine(url)
        try:
            db.ensure_current(engine)
            with engine.connect() as connection:
                assert not db.trigrams_see_chinese(connection)
                indexes = connection.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'project'"))
                assert "ix_project_search_trgm" not in set(indexes.scalars())
                assert "LC_CTYPE is C" in db.search_index(connection)
                assert db.search_index(connection).startswith("character-pair index")
            assert "ix_project_search_bigram" in _search_plan(url, "供水")  # pairs are cut by character, not by locale
            assert "ix_project_search_bigram" in _search_plan(url, "污水处理厂")  # longer terms by their pairs here
            if engine.dialect.server_version_info >= (14,):  # statistics on an expression: PostgreSQL 14+
                estimated, found = _estimated_and_found(engine, "工程")  # the text's statistics (0012): how common
                assert found > 100 and found / 2 < estimated < found * 2
                db.downgrade(engine, "0011")
                engine.dispose()
                estimated, found = _estimated_and_found(engine, "工程")
                assert estimated < found / 10  # without them the planner takes any term for rare
            db.downgrade(engine, "0008")
            with engine.connect() as connection:
                indexes = connection.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'project'"))
                assert "ix_project_search_trgm" in set(indexes.scalars())
            db.ensure_current(engine)
        finally:
            engine.dispose()
        for term in (
            "污水处理厂",
            "供水",
            "供水工程",
            "县城 污水处理",
            "乡镇 供水工程",
            "垃圾填埋",
            "b-c坝区",
            "4a级景区",
            "g4218",
        ):
            assert _search_codes(url, term) == _search_codes(postgres_seeded, term) != [], term
        for term in ("%", "_", "\\", "5a%", "g_218", "10%的"):  # escaped, as where pg_trgm serves
            assert _search_codes(url, term) == _search_codes(postgres_seeded, term), term
        # A longer term more than FTS_PROBE projects hold is read without the pairs (in the order asked
        # for, stopping at the limit); a rarer one keeps them. Here "more than" is more than 5.
        monkeypatch.setattr(queries, "FTS_PROBE", 5)
        frequent, rare = "污水处理", "洛隆县污水处理厂"
        assert len(_search_codes(url, frequent)) > 5 and 0 < len(_search_codes(url, rare)) <= 5
        assert "ix_project_search_bigram" not in _search_plan(url, frequent)
        assert "ix_project_search_bigram" in _search_plan(url, rare)
        for term in (frequent, rare, "供水工程"):
            assert _search_codes(url, term) == _search_codes(postgres_seeded, term), term
    finally:
        _admin_execute(admin, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _estimated_and_found(engine, term: str) -> tuple[float, int]:
    """The planner's estimate of the projects whose searched text holds `term`, and their number."""
    condition = f"{db.pg_search_text()} ILIKE :pattern"
    with engine.connect() as connection:
        plan = connection.execute(
            text(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM project WHERE {condition}"), {"pattern": f"%{term}%"}
        ).scalar()
        found = connection.execute(
            text(f"SELECT count(*) FROM project WHERE {condition}"), {"pattern": f"%{term}%"}
        ).scalar_one()
    return plan[0]["Plan"]["Plan Rows"], found


def test_two_character_search_uses_the_pair_index(postgres_seeded):
    plan = _search_plan(postgres_seeded, "供水")
    assert "ix_project_search_bigram" in plan and "ix_project_search_trgm" not in plan
    plan = _search_plan(postgres_seeded, "污水处理厂")  # where pg_trgm works, longer terms keep its index alone
    assert "ix_project_search_trgm" in plan and "ix_project_search_bigram" not in plan


def test_db_info_names_the_search_index(postgres_seeded):
    engine = db.make_engine(postgres_seeded)
    try:
        with engine.connect() as connection:
            assert db.trigrams_see_chinese(connection)
            assert db.search_index(connection).startswith("pg_trgm index")
            assert "character-pair index" in db.search_index(connection)
    finally:
        engine.dispose()
