"""The one place that knows database URLs, engines, sessions and migrations."""

from __future__ import annotations

import os
import sys
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, cast

from portfolio.errors import DatabaseError, PortfolioError, UserInputError
from portfolio.paths import migrations_dir, user_data_dir
from portfolio.text import check_text, shorten

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Connection, CursorResult, Engine
    from sqlalchemy.orm import QueryableAttribute
    from sqlalchemy.pool import PoolProxiedConnection
    from sqlalchemy.sql.expression import ColumnElement, Executable
    from sqlmodel import Session

# The newest migration; tests check it matches migrations/versions.
SCHEMA_HEAD = "0013"
SQLITE_BUSY_TIMEOUT_MS = 30_000
_HAND_MANAGED = ("project_fts", "project_bigram", "ix_project_search_trgm", "ix_project_search_bigram")
_SETUP_LOCK_KEY = 0x706F7274  # "port": the advisory lock taken while migrating or seeding
# "porw": every writing transaction on PostgreSQL holds this advisory lock, shared for user
# updates and exclusive for seed reloads (see session_scope).
_WRITE_LOCK_KEY = 0x706F7277
# 0x706F6374 ("poct") is taken by the triggers that keep summary_tally (migration 0013).
# Values bound in one IN list: SQLite before 3.32 allowed at most 999 parameters in a statement.
IN_LIST_SIZE = 900


def chunked(values: Sequence, size: int = IN_LIST_SIZE) -> Iterator[Sequence]:
    """Slices of `values` small enough to be bound in one IN list."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def one_of(session: Session, column: ColumnElement | QueryableAttribute, values: Sequence) -> ColumnElement[bool]:
    """`column` among `values`, sent as one parameter: a JSON list on SQLite, an array on PostgreSQL.

    One statement for any number of values, where an IN list needs a statement per chunk
    (each compiled with a parameter per value, which costs more than the lookups it binds).
    """
    import sqlalchemy as sa

    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == sa.any_(sa.bindparam("one_of", list(values), type_=ARRAY(column.type), unique=True))
    import json

    listed = sa.func.json_each(sa.bindparam("one_of", json.dumps(list(values)), unique=True)).table_valued("value")
    return column.in_(sa.select(listed.c.value))


def insert_rows(
    session: Session,
    table: Table,
    constants: Mapping[str, object],
    columns: Sequence[str],
    rows: Iterable[Sequence],
) -> None:
    """Insert rows with the driver's executemany, nothing fetched back.

    A Core executemany converts every value of every row through its column's type, which costs
    more than the insert itself for thousands of rows. Here the values all rows share
    (`constants`) are converted once, and the rows' own values (`columns`: integers, numbers and
    text, which the drivers take as they are) are passed unconverted.
    """
    connection = session.connection()
    dialect = connection.dialect
    for name in columns:
        column_type = table.c[name].type
        if getattr(column_type, "impl_instance", column_type).python_type not in (int, float, str):
            raise TypeError(f"{table.name}.{name} needs converting for the database: give it in `constants`")
    shared = tuple(_bound(table.c[name].type, dialect, value) for name, value in constants.items())
    values = [(*shared, *row) for row in rows]
    if not values:
        return
    names = [*constants, *columns]
    quote = dialect.identifier_preparer.quote
    marker = {"qmark": "?", "format": "%s", "pyformat": "%s"}[dialect.paramstyle]
    connection.exec_driver_sql(
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({', '.join(map(quote, names))}) "
        f"VALUES ({', '.join([marker] * len(names))})",
        values,
    )


def _bound(column_type, dialect, value):
    """`value` as a Core statement would hand it to the driver."""
    convert = column_type.dialect_impl(dialect).bind_processor(dialect)
    return value if convert is None or value is None else convert(value)


def table_of(model: type) -> Table:
    """A mapped class's table, typed as one (SQLModel's `__table__` is not)."""
    import sqlalchemy as sa

    return cast("Table", sa.inspect(model).local_table)


def plain_rows(session: Session, statement: Executable, params: dict | None = None) -> CursorResult:
    """Run a read on the session's connection: pending changes are flushed first as the session
    would, but the rows skip the ORM's per-row processing, which costs more than the query when a
    report reads 100,000 of them."""
    session.flush()
    return session.connection().execute(statement, params)


def pg_search_text(table: str = "") -> str:
    """The text searched on PostgreSQL (indexed with pg_trgm when the extension is available)."""
    prefix = f"{table}." if table else ""
    return f"({prefix}name || ' ' || coalesce({prefix}group_label, '') || ' ' || coalesce({prefix}note, ''))"


def trigrams_see_chinese(connection: Connection) -> bool:
    """Whether pg_trgm (installed) takes trigrams from Chinese text in this PostgreSQL database.

    pg_trgm keeps the characters the database's LC_CTYPE calls alphanumeric; under C (or POSIX)
    no Chinese character is, so a trigram index holds nothing of a Chinese name.
    """
    from sqlalchemy import text

    return bool(connection.execute(text("SELECT show_trgm('供水工程') <> '{}'")).scalar())


# the index in the schemas this connection reads (another schema of the database may have its own)
_TRIGRAM_INDEX_FOUND = "SELECT 1 WHERE to_regclass('ix_project_search_trgm') IS NOT NULL"
_TRIGRAM_INDEXED: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


def has_trigram_index(connection: Connection) -> bool:
    """Whether this PostgreSQL database has the pg_trgm index of the searched text (migrations 0005
    and 0009 leave it out where pg_trgm is missing or sees no Chinese). Asked once per engine: a
    search must not pay a catalogue query, and an answer gone stale costs speed, never rows."""
    from sqlalchemy import text

    engine = connection.engine
    if engine not in _TRIGRAM_INDEXED:
        _TRIGRAM_INDEXED[engine] = connection.execute(text(_TRIGRAM_INDEX_FOUND)).first() is not None
    return _TRIGRAM_INDEXED[engine]


def search_index(connection: Connection) -> str:
    """What makes substring search fast here, or what the database lacks for it (for `db info`)."""
    from sqlalchemy import text

    pairs = "character-pair index (terms of 2 characters)"
    if connection.dialect.name == "sqlite":
        return f"FTS5 trigram index (terms of 3+ characters), {pairs}"
    if connection.execute(text(_TRIGRAM_INDEX_FOUND)).first():
        return f"pg_trgm index (terms of 3+ characters), {pairs}"
    every_pair = "character-pair index (terms of 2+ characters: a longer term's pairs, then its text)"
    if not connection.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first():
        return (
            f"{every_pair}; no trigram index: the pg_trgm extension is not installed (a superuser can run "
            "CREATE EXTENSION pg_trgm, then `portfolio db reset` or a new database)"
        )
    ctype = connection.execute(text("SHOW lc_ctype")).scalar()
    return (
        f"{every_pair}; no trigram index: this database's LC_CTYPE is {ctype}, where pg_trgm finds no "
        f"trigrams in Chinese. For one, create the database with a UTF-8 LC_CTYPE: CREATE DATABASE … "
        f"ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
    )


def managed_by_autogenerate(name, type_, parent_names) -> bool:
    """False for the search indexes the migrations manage by hand (SQLite FTS5 tables, the GIN indexes)."""
    return not (type_ in ("table", "index") and name and name.startswith(_HAND_MANAGED))


_SUPPORTED = "a file path, sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DB"


def default_database_path() -> Path:
    return user_data_dir() / "portfolio.db"


def resolve_database_url(value: str | None) -> str:
    """Turn --db / PORTFOLIO_DB (a URL or a file path) into a SQLAlchemy URL."""
    if not value:
        path = default_database_path()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return f"sqlite:///{path}"
    check_text(value, "the database path or URL")
    if "://" not in value:
        return f"sqlite:///{_expand_home(value)}"
    scheme, _, rest = value.partition("://")
    scheme = scheme.lower()
    if scheme in ("postgres", "postgresql", "postgresql+psycopg"):
        url = f"postgresql+psycopg://{_quoted_credentials(rest)}"
        _check_port(url)
        return url
    if scheme == "sqlite":
        if rest.lstrip("/") in ("", ":memory:") or "mode=memory" in rest:
            raise UserInputError(
                f"{value} is an in-memory database, whose contents vanish when the command "
                f"ends: give a file path or sqlite:///PATH"
            )
        return value
    raise UserInputError(f"unsupported database URL scheme {shorten(scheme, 40)}: use {_SUPPORTED}")


def _expand_home(path: str) -> Path:
    try:
        return Path(path).expanduser()
    except RuntimeError:  # ~name of a user who does not exist
        raise UserInputError(f"cannot find the home directory in {shorten(path)}: no such user") from None


# Every password seen in a URL this process was given; messages are scrubbed of them.
_SECRETS: set[str] = set()
_SAFE_QUERY_KEYS = {"sslmode", "connect_timeout", "application_name", "target_session_attrs", "host", "port"}


def _quoted_credentials(rest: str) -> str:
    """USER:PASSWORD@HOST/DB with the user and password percent-encoded.

    A password with an unescaped `@` (`SECRET@PW`) would otherwise be split at its first `@`,
    and the rest of it shown as the host name in every message.
    """
    from urllib.parse import parse_qsl, quote, unquote

    authority_and_path, mark, query = rest.partition("?")
    for key, secret in parse_qsl(query, keep_blank_values=True):
        if key.lower() not in _SAFE_QUERY_KEYS:
            _remember_secret(secret)
    userinfo, at, host_and_path = authority_and_path.rpartition("@")
    if not at:
        return rest
    user, colon, password = userinfo.partition(":")
    _remember_secret(password)
    _remember_secret(unquote(password))
    credentials = quote(unquote(user), safe="") + (colon and ":" + quote(unquote(password), safe=""))
    return f"{credentials}@{host_and_path}{mark}{query}"


def _remember_secret(secret: str) -> None:
    if len(secret) >= 3:  # shorter values would blank out ordinary words in messages
        _SECRETS.add(secret)


def redact(message: str) -> str:
    """`message` with every known password (from URLs and PGPASSWORD) replaced by ***."""
    secrets = set(_SECRETS)
    if len(os.environ.get("PGPASSWORD", "")) >= 3:
        secrets.add(os.environ["PGPASSWORD"])
    for secret in sorted(secrets, key=len, reverse=True):
        message = message.replace(secret, "***")
    return message


def _check_port(url: str) -> None:
    from sqlalchemy.engine import make_url

    try:
        make_url(url).port  # noqa: B018 (parsing is the check)
    except ValueError:
        port = url.rpartition("@")[2].partition("/")[0].rpartition(":")[2]
        raise UserInputError(
            f"bad port {port!r} in the database URL: a port is a number (postgresql://USER:PASSWORD@HOST:5432/DB)"
        ) from None


def display_url(url: str) -> str:
    """The URL as people wrote it, for messages: a SQLite file as its path (not percent-encoded),
    PostgreSQL without the driver name, with the password and query values other than harmless
    settings masked."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            return parsed.database or url
        shown = _unquote_path(
            parsed.set(drivername=parsed.get_backend_name(), query={}).render_as_string(hide_password=True)
        )
    except Exception:
        return "<unparsable URL>"
    query = [
        f"{key}={value if key.lower() in _SAFE_QUERY_KEYS else '***'}"
        for key, value in parsed.query.items()
        if key.isidentifier()
    ]
    return redact(shown + ("?" + "&".join(query) if query else ""))


def _unquote_path(url: str) -> str:
    """postgresql://me:***@host/%E9%A1%B9%E7%9B%AE -> postgresql://me:***@host/项目"""
    from urllib.parse import unquote

    head, slash, database = url.rpartition("/")
    return f"{head}{slash}{unquote(database)}" if "@" not in database else url


def make_engine(url: str) -> Engine:
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import ArgumentError

    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
            event.listen(engine, "connect", _configure_sqlite_connection)
            event.listen(engine, "begin", _begin_sqlite_transaction)
        else:
            engine = create_engine(url, pool_pre_ping=True)
            event.listen(engine, "connect", _configure_postgresql_connection)
    except (ArgumentError, ValueError) as error:
        reason = "cannot parse it" if url in str(error) else redact(str(error))
        raise UserInputError(f"bad database URL {display_url(url)}: {reason}") from None
    except ModuleNotFoundError as error:
        raise UserInputError(f"no driver for {display_url(url)}: {error}") from None
    return engine


def _configure_postgresql_connection(dbapi_connection, _record) -> None:
    # The planner costs a report over 100,000 projects above jit_above_cost: EXPLAIN ANALYZE of the
    # lights statement showed 5.7 s of JIT compilation for a statement that runs in under 3 s
    # without it. No query here gains from JIT.
    cursor = dbapi_connection.cursor()
    cursor.execute("SET jit = off")
    cursor.close()
    dbapi_connection.commit()


def _configure_sqlite_connection(dbapi_connection, _record) -> None:
    # Take transaction control from the driver so BEGIN covers DDL too and
    # writers can ask for BEGIN IMMEDIATE (no lock upgrades, no deadlock errors).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def session_scope(engine: Engine, *, write: bool = False, exclusive: bool = False) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on error.

    Writers queue instead of failing or overwriting each other. On SQLite a writer begins with
    BEGIN IMMEDIATE, so writers run one at a time. On PostgreSQL a writer first takes the write
    advisory lock: shared by user updates (which then lock their project rows in id order, see
    changes.lock_projects), exclusive for seed reloads, so a reload never runs beside an update
    and decides what it may delete with no update in flight. The lock is the transaction's first
    statement and the only lock taken before row locks; the triggers that keep summary_tally take
    one more after them (migration 0013), so writers cannot deadlock.
    """
    from sqlmodel import Session

    write = write or exclusive
    options = {"sqlite_begin": "IMMEDIATE"} if write else {}
    with engine.connect() as connection:
        connection = connection.execution_options(**options)
        with Session(bind=connection) as session:
            try:
                if write:
                    take_write_lock(session.connection(), exclusive=exclusive)
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise


class ChangeToken:
    """A value that changes whenever anyone commits to the database: what is computed from the data
    may be kept under it and is never older than the data. `current()` is None where the database
    cannot say (nothing may then be kept).

    SQLite: `PRAGMA data_version` of a connection kept for this alone. It never writes, so its value
    changes with every commit of any other connection, in this process or another (the CLI beside
    the web server), and it is read when a commit is already visible to new readers.
    PostgreSQL: the current snapshot (`pg_current_snapshot()`: the oldest transaction still running,
    the next transaction id, the ones in progress). Two equal snapshots see the same rows; a
    transaction that writes takes an id (the next id moves) and its commit takes it out of the
    running ones, so every commit gives another snapshot. Other databases of the server move it too:
    a page is then computed again, never served stale. (The WAL position would not do: it moves at
    commit just before the commit is visible to new readers.)
    """

    def __init__(self, engine: Engine):
        import threading

        self.engine = engine
        self._lock = threading.Lock()
        self._watcher: PoolProxiedConnection | None = None
        self._watchers = 0  # a new watcher counts from its own value: the token names which one
        database = engine.url.database or ""
        self.dialect = engine.dialect.name
        self.supported = self.dialect == "postgresql" or (
            self.dialect == "sqlite" and database not in ("", ":memory:") and "mode=memory" not in str(engine.url)
        )

    def current(self) -> str | None:
        if not self.supported:
            return None
        from sqlalchemy.exc import DBAPIError

        try:
            return self._snapshot() if self.dialect == "postgresql" else self._data_version()
        except DBAPIError:
            return None

    def _snapshot(self) -> str:
        with self.engine.connect() as connection:
            return str(connection.exec_driver_sql("SELECT pg_current_snapshot()::text").scalar_one())

    def _data_version(self) -> str | None:
        import sqlite3

        with self._lock:
            try:
                if self._watcher is None:
                    self._watcher = self.engine.raw_connection()
                    self._watchers += 1
                cursor = self._watcher.cursor()
                try:
                    (version,) = cursor.execute("PRAGMA data_version").fetchone()
                    return f"{self._watchers}.{version}"
                finally:
                    cursor.close()
            except sqlite3.Error:
                self.close()
                return None

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.close()
            self._watcher = None


def take_write_lock(connection: Connection, *, exclusive: bool) -> None:
    """On PostgreSQL, the transaction's write advisory lock (re-entrant; released at commit)."""
    if connection.dialect.name == "postgresql":
        function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        connection.exec_driver_sql(f"SELECT {function}({_WRITE_LOCK_KEY})")


def refresh_statistics(engine: Engine) -> None:
    """After a bulk load, let the query planner see the new row counts (sampled, so quick)."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA analysis_limit = 1000")
        connection.exec_driver_sql("ANALYZE")


def check_connection(engine: Engine) -> str | None:
    """Fail with one clear line if the database cannot be opened; return its schema revision."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError

    try:
        with engine.connect() as connection:
            return _read_revision(connection)
    except (DBAPIError, OSError, sqlite3.Error) as error:
        raise DatabaseError(f"cannot open database {display_url(str(engine.url))}: {_reason(error)}") from None


def _read_revision(connection: Connection) -> str | None:
    from sqlalchemy import text

    if connection.dialect.name == "sqlite":
        exists = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    else:
        exists = (
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'alembic_version' "
            "AND table_schema = current_schema()"
        )
    if not connection.execute(text(exists)).scalar():
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _reason(error: Exception) -> str:
    original = getattr(error, "orig", None) or error
    return redact(str(original).strip().splitlines()[0]) if str(original).strip() else type(original).__name__


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return _read_revision(connection)


def alembic_config(connection: Connection | None = None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head", *, then=None) -> None:
    """Migrate; `then(connection)` runs in the same transaction (a new database's seeding)."""
    from alembic import command

    _migrate(engine, lambda config: command.upgrade(config, revision), then)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    _migrate(engine, lambda config: command.downgrade(config, revision))


def _migrate(engine: Engine, run, then=None) -> None:
    """Run Alembic in one transaction; on SQLite with foreign keys off meanwhile.

    Batch migrations copy and drop tables on SQLite; with foreign keys on, dropping a
    parent table would delete its children (ON DELETE CASCADE). The pragma cannot change
    inside a transaction, so it is set on the raw connection before Alembic begins.
    """
    with engine.connect() as connection:
        sqlite = connection.connection.driver_connection if engine.dialect.name == "sqlite" else None
        if sqlite is not None:
            sqlite.execute("PRAGMA foreign_keys=OFF")
        try:
            connection.begin()  # Alembic then joins this transaction instead of committing its own
            run(alembic_config(connection))
            if then is not None:
                then(connection)
            connection.commit()
            if sqlite is not None:
                broken = sqlite.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise DatabaseError(f"migration left {len(broken)} rows with broken foreign keys")
        finally:
            if sqlite is not None:
                sqlite.execute("PRAGMA foreign_keys=ON")


def ensure_current(engine: Engine, *, seed: bool = True, beside_other_tables: bool = False) -> bool:
    """Bring the database to the latest schema; seed it if it is new.

    Returns True when the database was seeded now. Processes that open a new or old database
    at the same moment take turns; a new database becomes current and seeded in one commit,
    so no process ever reads it migrated but empty. A database that holds other tables and no
    portfolio schema is left alone unless `beside_other_tables` (`portfolio db init`).
    """
    if check_connection(engine) == SCHEMA_HEAD:
        return False
    with _setup_lock(engine):
        revision = check_connection(engine)
        if revision == SCHEMA_HEAD:
            return False
        if revision is None and not beside_other_tables:
            _refuse_other_tables(engine)
        seed_now = seed and revision is None and os.environ.get("PORTFOLIO_NO_AUTOSEED") != "1"
        if revision is None and engine.dialect.name == "sqlite":
            _ensure_sqlite_file_is_private(engine)
        try:
            upgrade(engine, then=_load_packaged_seeds if seed_now else None)
        except PortfolioError:
            raise
        except Exception as error:
            raise DatabaseError(f"cannot migrate {display_url(str(engine.url))}: {_reason(error)}") from None
    if seed_now:
        refresh_statistics(engine)
    return seed_now


SHOWN_TABLES = 5


def other_tables(engine: Engine) -> list[str]:
    """Tables that are not the portfolio's (a database someone else uses)."""
    from sqlalchemy import inspect

    ours = {"alembic_version"}
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
    return sorted(name for name in names if name not in ours and not name.startswith("sqlite_"))


def _refuse_other_tables(engine: Engine) -> None:
    found = other_tables(engine)
    if not found:
        return
    shown = ", ".join(found[:SHOWN_TABLES]) + (
        f" and {len(found) - SHOWN_TABLES} more" if len(found) > SHOWN_TABLES else ""
    )
    raise UserInputError(
        f"{display_url(str(engine.url))} holds other tables ({shown}) and no portfolio schema: "
        f"point --db at an empty database, or run `portfolio db init` to add the portfolio "
        f"tables beside them"
    )


def is_new_database(url: str) -> bool:
    """True for a SQLite file that does not exist yet (opening it creates it)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return False
    return not Path(parsed.database).exists()


def exists_and_current(url: str) -> bool:
    """Whether the database exists and is at the latest schema, found without creating,
    migrating or seeding it (for shell completion)."""
    if is_new_database(url):
        return False
    engine = make_engine(url)
    try:
        return check_connection(engine) == SCHEMA_HEAD
    except PortfolioError:
        return False
    finally:
        engine.dispose()


def _load_packaged_seeds(connection: Connection) -> None:
    from portfolio import seeding

    seeding.load_packaged_seeds(connection)


@contextmanager
def _setup_lock(engine: Engine) -> Iterator[None]:
    """One process at a time migrates or seeds: a PostgreSQL advisory lock, or a lock file beside
    the SQLite database (where the platform has fcntl)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({_SETUP_LOCK_KEY})")
            try:
                yield
            finally:
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({_SETUP_LOCK_KEY})")
                connection.commit()
        return
    database = engine.url.database
    if sys.platform == "win32" or not database or database == ":memory:":
        yield
        return
    import fcntl

    # private like the database beside it (the name says which database is being set up)
    descriptor = os.open(f"{database}.setup-lock", os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "r+") as lock:
        if os.fstat(descriptor).st_uid == os.getuid():
            os.fchmod(descriptor, 0o600)
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _ensure_sqlite_file_is_private(engine: Engine) -> None:
    database = engine.url.database
    if database and database != ":memory:" and Path(database).exists():
        os.chmod(database, 0o600)
