"""Two-character search through the index of character pairs (migration 0011) finds exactly what
a plain substring scan finds, in the same order, on both engines and after seed reloads."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from seedkit import SMALL_PLAN

from portfolio import db, queries, seeding, vocab
from portfolio.models import Project
from portfolio.paths import seeds_dir

MISSING = ["蛟鲨", "qz", "鲨1", "Q鲨"]


@pytest.fixture(params=["probe as shipped", "probe of 3"])
def probe(request, monkeypatch):
    """As shipped, and with a probe so small that all but the rarest terms take the scanning path."""
    if request.param == "probe of 3":
        monkeypatch.setattr(queries, "FTS_PROBE", 3)


class Texts:
    """Every project's searched text, and the codes a substring scan finds for a term."""

    def __init__(self, url: str):
        engine = db.make_engine(url)
        self.dialect = engine.dialect.name
        with engine.connect() as connection:
            self.rows = connection.execute(
                sa.select(Project.id, Project.code, Project.name, Project.group_label, Project.note)
            ).all()
        engine.dispose()

    def folded(self, text: str | None) -> str:
        """SQLite's lower() folds ASCII letters only; PostgreSQL's ILIKE lower-cases every letter."""
        if text is None:
            return ""
        if self.dialect == "sqlite":
            return "".join(ch.lower() if ch.isascii() else ch for ch in text)
        return text.lower()

    def scan(self, query: str) -> list[str]:
        """Codes of the projects holding every term of `query` in one of their texts, in code order
        (terms folded as search folds what users type: traditional characters, full-width letters)."""
        terms = [term.lower() for term in vocab.fold_search(query).split()]
        return sorted(
            row.code for row in self.rows if all(any(term in self.folded(text) for text in row[2:]) for term in terms)
        )

    def pairs(self) -> Counter:
        """How many projects hold each pair of adjacent characters (of one text, no whitespace)."""
        counts: Counter = Counter()
        for row in self.rows:
            found = {text[i : i + 2] for text in row[2:] if text for i in range(len(text) - 1)}
            counts.update(pair for pair in found if not any(ch.isspace() for ch in pair))
        return counts

    def terms(self) -> list[str]:
        """Frequent, common and rare pairs of the data, pairs with ASCII in either case, missing ones."""
        counts = self.pairs()
        ranked = [pair for pair, _ in counts.most_common()]
        rare = [pair for pair in ranked if counts[pair] <= 2]
        ascii_pairs = [pair for pair in ranked if any(ch.isascii() and ch.isalpha() for ch in pair)]
        chosen = ranked[:8] + ranked[len(ranked) // 4 :: max(1, len(ranked) // 40)] + rare[:: max(1, len(rare) // 30)]
        chosen += (
            ascii_pairs[:6] + [pair.upper() for pair in ascii_pairs[:6]] + [pair.swapcase() for pair in ascii_pairs]
        )
        return list(dict.fromkeys(chosen + MISSING))


def _search(url: str, query: str, **options) -> list[str]:
    engine = db.make_engine(url)
    try:
        with db.session_scope(engine) as session:
            return [row.code for row in queries.list_projects(session, queries.ProjectFilter(search=query), **options)]
    finally:
        engine.dispose()


def _assert_search_is_a_scan(url: str, texts: Texts, queries_: list[str]) -> None:
    for query in queries_:
        assert _search(url, query) == texts.scan(query), query


def test_two_character_search_finds_what_a_scan_finds(seeded_url, probe):
    texts = Texts(seeded_url)
    terms = texts.terms()
    assert len(terms) > 60 and any(texts.scan(term) for term in terms if any(ch.isascii() for ch in term))
    _assert_search_is_a_scan(seeded_url, texts, terms)
    counts = texts.pairs()
    frequent = terms[0]
    rare = next(term for term in terms if counts[term] == 1)
    combined = [f"{frequent} {rare}", f"{rare} {frequent}", f"{frequent} 工程", f"供水 {frequent[0]}", "蛟鲨 供水"]
    combined += [f"{rare} 污水处理", "供水 工程 项目"]
    # a pair beside a longer term: both indexes' subqueries in one statement
    combined += [
        f"{row.name[:2]} {row.name[3:6]}" for row in texts.rows[:: len(texts.rows) // 12] if len(row.name) >= 6
    ]
    assert sum(bool(texts.scan(query)) for query in combined) >= 10
    _assert_search_is_a_scan(seeded_url, texts, combined)


def test_a_page_of_a_two_character_search_is_the_start_of_the_whole(seeded_url, probe):
    texts = Texts(seeded_url)
    for term in texts.terms()[:12]:
        whole = texts.scan(term)
        assert _search(seeded_url, term, limit=5) == whole[:5], term
        assert _search(seeded_url, term, limit=5, offset=3) == whole[3:8], term


def test_counts_of_works_and_listings_are_those_of_the_matching_projects(seeded_url, probe, monkeypatch):
    """Listings: the projects a scan finds; works: as many as when every term is scanned (before 0011)."""
    texts = Texts(seeded_url)
    engine = db.make_engine(seeded_url)
    try:
        with db.session_scope(engine) as session:
            for term in texts.terms()[:20]:
                searched = queries.ProjectFilter(search=term)
                assert queries.count_projects(session, searched) == len(texts.scan(term)), term
                works = queries.count_projects(session, searched, count="works")
                with monkeypatch.context() as scanning:
                    scanning.setattr(queries, "FTS_PROBE", -1)
                    assert queries.count_projects(session, searched, count="works") == works, term
    finally:
        engine.dispose()


CHANGED_PLAN = (
    SMALL_PLAN.replace("芒康县测试水厂", "芒康县蛟鲨水厂")
    .replace("          - {code: TP-02-002, name: 芒康县测试管网工程, line: 11, build: 改扩建}\n", "")
    .replace("            quantity: 3项\n", "            quantity: 3项\n            note: 沿G318线（二期）\n")
)


def _seeds_with_test_plan(root: Path) -> Path:
    """The shipped seeds plus the small test plan, so a pruning reload keeps the shipped projects."""
    target = root / "seeds"
    shutil.copytree(seeds_dir(), target)
    (target / "plans" / "test-plan.yaml").write_text(SMALL_PLAN, encoding="utf-8")
    return target


def _load(url: str, seed_dir: Path, **options) -> None:
    engine = db.make_engine(url)
    try:
        with db.session_scope(engine, exclusive=True) as session:
            seeding.apply(session, seeding.load_checked(seed_dir), **options)
    finally:
        engine.dispose()


def test_the_pair_index_follows_seed_reloads_that_rename_add_and_remove(tmp_path, seeded_url, probe):
    seed_dir = _seeds_with_test_plan(tmp_path)
    _load(seeded_url, seed_dir)
    assert _search(seeded_url, "试水") == ["TP-02-001"]
    assert "TP-02-002" in _search(seeded_url, "管网")
    (seed_dir / "plans" / "test-plan.yaml").write_text(CHANGED_PLAN, encoding="utf-8")
    _load(seeded_url, seed_dir, prune=True)
    texts = Texts(seeded_url)
    assert "TP-02-002" not in texts.scan("管网")
    assert _search(seeded_url, "试水") == [] and _search(seeded_url, "蛟鲨") == ["TP-02-001"]
    assert "TP-02-003" in _search(seeded_url, "g3") == _search(seeded_url, "G3") == texts.scan("G3")
    assert "TP-02-003" in _search(seeded_url, "（二")
    _assert_search_is_a_scan(
        seeded_url, texts, ["试水", "管网", "蛟鲨", "鲨水", "g3", "18", "（二", "期）", *texts.terms()]
    )


def test_the_index_holds_every_pair_of_the_data_with_its_projects(tmp_path, seeded_url):
    """What the index holds for each pair is the number of projects holding it, no more: after a
    reload, renamed and removed projects leave nothing behind (SQLite's FTS5 table read through
    fts5vocab; PostgreSQL's index expression over every project)."""
    seed_dir = _seeds_with_test_plan(tmp_path)
    _load(seeded_url, seed_dir)
    (seed_dir / "plans" / "test-plan.yaml").write_text(CHANGED_PLAN, encoding="utf-8")
    _load(seeded_url, seed_dir, prune=True)
    texts = Texts(seeded_url)
    expected: Counter = Counter()
    engine = db.make_engine(seeded_url)
    with engine.begin() as connection:
        if texts.dialect == "sqlite":
            for row in texts.rows:
                expected.update(
                    {t[i : i + 2].encode().hex() for t in map(texts.folded, row[2:]) for i in range(len(t) - 1)}
                )
            connection.exec_driver_sql(
                "CREATE VIRTUAL TABLE temp.pair_vocab USING fts5vocab(main, project_bigram, row)"
            )
            indexed = dict(connection.exec_driver_sql("SELECT term, doc FROM temp.pair_vocab").all())
        else:
            for row in texts.rows:
                text = " ".join(t or "" for t in row[2:]).lower()
                expected.update({text[i : i + 2] for i in range(len(text) - 1)})
            indexed = dict(
                connection.exec_driver_sql(
                    f"SELECT pair, count(*) FROM project, unnest(search_bigrams(lower({db.pg_search_text()}))) AS pair "
                    "GROUP BY pair"
                ).all()
            )
    engine.dispose()
    assert indexed == dict(expected) and len(indexed) > 1000


def test_the_migration_builds_the_index_of_an_existing_database(seeded_url):
    """0011 indexes the projects already there, on both engines, and downgrades cleanly."""
    engine = db.make_engine(seeded_url)
    try:
        db.downgrade(engine, "0010")
        with engine.begin() as connection:
            assert "project_bigram" not in sa.inspect(connection).get_table_names()
            connection.execute(
                sa.text("UPDATE project SET note = '含蛟鲨' WHERE code = (SELECT min(code) FROM project)")
            )
        db.ensure_current(engine)
        with engine.connect() as connection:
            first = connection.execute(sa.text("SELECT min(code) FROM project")).scalar_one()
    finally:
        engine.dispose()
    texts = Texts(seeded_url)
    assert _search(seeded_url, "蛟鲨") == [first] == texts.scan("蛟鲨")
    _assert_search_is_a_scan(seeded_url, texts, texts.terms())
