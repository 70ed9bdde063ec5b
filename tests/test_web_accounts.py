"""Accounts on the web, on SQLite and PostgreSQL: logins, sessions, CSRF, scope, the admin pages.
Each refusal is shown to write nothing (the event tables are counted before and after)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time

import pytest
import sqlalchemy as sa

from portfolio import accounts, db

PASSWORD = "Gyantse-Secret-2026"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
EVENTS = ("status_event", "field_event", "period_report", "account")


@pytest.fixture
def site(seeded_url, engine_of):
    from fastapi.testclient import TestClient

    from portfolio.web.app import create_app

    engine = engine_of(seeded_url)
    app = create_app(seeded_url)
    with TestClient(app, follow_redirects=False) as client:
        client.engine = engine
        client.app_ = app
        client.seen = []  # every response body, to look for the password in
        yield client


def counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {t: connection.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in EVENTS}


def code_in(engine, county: str) -> str:
    """A project whose office is this county: it lies in that county alone."""
    with engine.connect() as connection:
        return connection.execute(
            sa.text(
                "SELECT p.code FROM project p JOIN project_division pd ON pd.project_id = p.id "
                "JOIN division d ON d.code = pd.division_code "
                "WHERE d.name LIKE :n AND p.status NOT IN ('建成', '取消') "
                "AND (SELECT count(*) FROM project_division x WHERE x.project_id = p.id) = 1 ORDER BY p.code LIMIT 1"
            ),
            {"n": f"{county}%"},
        ).scalar_one()


def add(engine, name, role, counties=()):
    with db.session_scope(engine, write=True) as session:
        accounts.add_account(session, name, role, PASSWORD, accounts.resolve_scope(session, role, list(counties), []))


def get(client, url, **kwargs):
    response = client.get(url, **kwargs)
    client.seen.append(response.text)
    return response


def post(client, url, **kwargs):
    response = client.post(url, **kwargs)
    client.seen.append(response.text)
    return response


def token_of(client, url="/login") -> str:
    return TOKEN.search(get(client, url).text).group(1)


def log_in(client, name, password=PASSWORD):
    response = post(client, "/login", data={"name": name, "password": password, "csrf_token": token_of(client)})
    assert response.status_code == 303, response.text[:300]
    return response


@pytest.fixture
def editor_site(site):
    add(site.engine, "江孜县发改委", "editor", ["江孜"])
    add(site.engine, "规划科", "admin")
    log_in(site, "江孜县发改委")
    return site


def test_without_any_account_the_site_is_read_only(site):
    code = code_in(site.engine, "江孜")
    assert "还没有账户" in get(site, "/login").text
    before = counts(site.engine)
    assert post(site, f"/projects/{code}/status", data={"status": "在建"}).status_code == 401
    assert post(site, f"/api/projects/{code}/status", json={"status": "在建"}).status_code == 401
    assert get(site, f"/projects/{code}").status_code == 200
    assert counts(site.engine) == before


def test_the_login_link_follows_the_accounts_of_the_running_site(site):
    """Whether any account exists is kept between pages (SQLite) but never past a commit: an account
    added while the site runs, as the CLI would add it, brings the login link on the next page."""
    code = code_in(site.engine, "江孜")
    for _ in range(2):  # asked twice: the second answer may be the kept one
        assert 'id="login-link"' not in get(site, f"/projects/{code}").text
    add(site.engine, "admin", "admin")
    assert 'id="login-link"' in get(site, f"/projects/{code}").text
    with site.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM account_scope"))
        connection.execute(sa.text("DELETE FROM account"))
    assert 'id="login-link"' not in get(site, f"/projects/{code}").text


def test_a_new_visitor_given_a_form_token_keeps_its_id_in_a_cookie(site):
    """The login form's CSRF token names the visitor; the id comes back as an HttpOnly, SameSite
    cookie for the session's length, and is not set again once the visitor has it."""
    from portfolio.web.auth import SESSION_SECONDS, VISITOR_COOKIE

    add(site.engine, "admin", "admin")
    site.cookies.clear()
    first = get(site, "/login")
    assert TOKEN.search(first.text)
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(f"{VISITOR_COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert f"Max-Age={SESSION_SECONDS}" in cookie and "Secure" not in cookie  # plain http here
    assert "set-cookie" not in get(site, "/login").headers  # the visitor has it now


def test_the_session_cookie_is_signed_httponly_samesite_and_expires(editor_site):
    site = editor_site
    site.cookies.clear()
    response = post(site, "/login", data={"name": "江孜县发改委", "password": PASSWORD, "csrf_token": token_of(site)})
    cookie = response.headers["set-cookie"]
    assert "portfolio_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert re.search(r"Max-Age=\d+", cookie) and PASSWORD not in cookie
    assert get(site, "/api/session").json()["account"] == "江孜县发改委"
    forged = site.cookies.get("portfolio_session").rsplit(".", 1)[0] + ".AAAA"
    site.cookies.set("portfolio_session", forged)
    assert get(site, "/api/session").json()["account"] is None


def test_an_editor_of_jiangzi_writes_nothing_for_mangkang_by_form_api_or_url(editor_site):
    site = editor_site
    mangkang, jiangzi = code_in(site.engine, "芒康"), code_in(site.engine, "江孜")
    token = token_of(site, f"/projects/{jiangzi}/edit")
    api = {"X-CSRF-Token": get(site, "/api/session").json()["csrf_token"]}
    before = counts(site.engine)
    attempts = [
        post(site, f"/projects/{mangkang}/status", data={"status": "在建", "csrf_token": token}),
        post(site, f"/projects/{mangkang}/fields", data={"total_investment": "100", "csrf_token": token}),
        post(site, f"/projects/{mangkang}/report", data={"period": "2026-11", "progress": "x", "csrf_token": token}),
        post(site, f"/api/projects/{mangkang}/status", json={"status": "在建"}, headers=api),
        post(site, f"/api/projects/{mangkang}/fields", json={"contact": "x"}, headers=api),
        post(site, f"/api/projects/{mangkang}/reports", json={"period": "2026-11", "progress": "x"}, headers=api),
        get(site, f"/projects/{mangkang}/edit"),
    ]
    for response in attempts:
        assert response.status_code == 403, response.text[:300]
        assert mangkang in response.text
    assert counts(site.engine) == before
    assert 'id="edit-link"' not in get(site, f"/projects/{mangkang}").text
    assert 'id="edit-link"' in get(site, f"/projects/{jiangzi}").text


def test_the_editor_records_status_fields_and_a_report_and_the_admin_audits_them(editor_site):
    site = editor_site
    jiangzi = code_in(site.engine, "江孜")
    token = token_of(site, f"/projects/{jiangzi}/edit")
    xss = "<script>alert('x')</script>"
    assert (
        post(
            site,
            f"/projects/{jiangzi}/status",
            data={"status": "在建", "date": "2026-05-01", "note": xss, "csrf_token": token},
        ).status_code
        == 303
    )
    assert post(site, f"/projects/{jiangzi}/fields", data={"contact": xss, "csrf_token": token}).status_code == 303
    assert (
        post(
            site,
            f"/projects/{jiangzi}/report",
            data={
                "period": "2026-11",
                "invest_period": "50",
                "invest_cumulative": "50",
                "progress": xss,
                "problems": xss,
                "csrf_token": token,
            },
        ).status_code
        == 303
    )
    api = {"X-CSRF-Token": get(site, "/api/session").json()["csrf_token"]}
    done = post(site, f"/api/projects/{jiangzi}/status", json={"status": "建成", "date": "2026-11-20"}, headers=api)
    assert done.status_code == 200 and done.json()["current"] == "建成"
    page = get(site, f"/projects/{jiangzi}").text
    assert xss not in page and "&lt;script&gt;" in page and "江孜县发改委 (账户)" in page
    site.cookies.clear()
    log_in(site, "规划科")
    audit = get(site, "/admin/audit?account=江孜县发改委")
    assert audit.status_code == 200 and xss not in audit.text and "&lt;script&gt;" in audit.text
    assert audit.text.count("江孜县发改委 (账户)") == 4 and "testclient" in audit.text
    download = get(site, "/admin/audit?format=csv")
    assert download.status_code == 200 and "江孜县发改委" in download.content.decode("utf-8-sig")


def test_csrf_missing_or_from_another_session_is_refused(editor_site):
    from fastapi.testclient import TestClient

    site = editor_site
    jiangzi = code_in(site.engine, "江孜")
    with TestClient(site.app_, follow_redirects=False) as other:
        other.seen = []
        log_in(other, "规划科")
        foreign = token_of(other, f"/projects/{jiangzi}/edit")
    before = counts(site.engine)
    for data, headers in (({}, {}), ({"csrf_token": foreign}, {}), ({}, {"X-CSRF-Token": foreign})):
        response = post(site, f"/projects/{jiangzi}/status", data={"status": "在建", **data}, headers=headers)
        assert response.status_code == 403 and "CSRF" in response.text
    assert post(site, f"/api/projects/{jiangzi}/status", json={"status": "在建"}).status_code == 403
    assert post(site, "/logout").status_code == 403
    assert counts(site.engine) == before


def _session_cookie(site, name: str, expires: int) -> str:
    secret = accounts.secret(site.engine, "session").encode()
    with db.session_scope(site.engine) as session:
        fingerprint = hashlib.sha256(accounts.find(session, name).password_hash.encode()).hexdigest()[:16]
    payload = (
        base64.urlsafe_b64encode(
            json.dumps({"a": name, "k": fingerprint, "s": "x", "e": expires}, ensure_ascii=False).encode()
        )
        .decode()
        .rstrip("=")
    )
    signature = base64.urlsafe_b64encode(hmac.new(secret, payload.encode(), hashlib.sha256).digest()).decode()
    return f"{payload}.{signature.rstrip('=')}"


def test_expired_sessions_disabled_accounts_viewers_and_smuggled_fields_write_nothing(editor_site):
    site = editor_site
    jiangzi = code_in(site.engine, "江孜")
    add(site.engine, "查看者甲", "viewer")
    token = token_of(site, f"/projects/{jiangzi}/edit")
    before = counts(site.engine)
    # a role and a scope smuggled into the form change nothing but the status asked for
    smuggled = post(
        site,
        f"/projects/{jiangzi}/status",
        data={
            "status": "前期",
            "date": "2026-04-01",
            "role": "admin",
            "county": "芒康",
            "actor": "account:规划科",
            "csrf_token": token,
        },
    )
    assert smuggled.status_code == 303
    assert post(
        site, f"/api/projects/{jiangzi}/fields", json={"role": "admin"}, headers={"X-CSRF-Token": token}
    ).status_code in (400, 422)
    with db.session_scope(site.engine) as session:
        assert [(a.name, a.role, a.scope) for a in accounts.list_accounts(session) if a.name == "江孜县发改委"] == [
            ("江孜县发改委", "editor", ("江孜县",))
        ]
    after_smuggle = counts(site.engine)
    assert after_smuggle["status_event"] == before["status_event"] + 1
    site.cookies.set("portfolio_session", _session_cookie(site, "江孜县发改委", int(time.time()) - 10))
    assert post(site, f"/projects/{jiangzi}/status", data={"status": "在建", "csrf_token": token}).status_code == 401
    site.cookies.clear()
    log_in(site, "江孜县发改委")
    token = token_of(site, f"/projects/{jiangzi}/edit")
    with db.session_scope(site.engine, write=True) as session:
        accounts.set_disabled(session, "江孜县发改委", True)
    assert post(site, f"/projects/{jiangzi}/status", data={"status": "在建", "csrf_token": token}).status_code == 401
    site.cookies.clear()
    log_in(site, "查看者甲")
    token = token_of(site, f"/projects/{jiangzi}")
    assert post(site, f"/projects/{jiangzi}/status", data={"status": "在建", "csrf_token": token}).status_code == 403
    assert get(site, "/admin/accounts").status_code == 403
    assert counts(site.engine) == after_smuggle


def test_the_sixth_wrong_password_in_a_minute_is_refused_even_when_right(editor_site):
    site = editor_site
    site.cookies.clear()
    for _ in range(5):
        wrong = post(
            site, "/login", data={"name": "规划科", "password": "wrong-password", "csrf_token": token_of(site)}
        )
        assert wrong.status_code == 401 and "账户名或密码错误" in wrong.text
    right = post(site, "/login", data={"name": "规划科", "password": PASSWORD, "csrf_token": token_of(site)})
    assert (
        right.status_code == 429
        and "一分钟后再试" in right.text
        and "portfolio_session" not in right.headers.get("set-cookie", "")
    )


def test_admin_manages_accounts_and_passwords_never_appear(editor_site, caplog):
    site = editor_site
    site.cookies.clear()
    log_in(site, "规划科")
    token = token_of(site, "/admin/accounts")
    created = post(
        site,
        "/admin/accounts",
        data={
            "name": "芒康县住建局",
            "role": "editor",
            "county": "芒康",
            "password": PASSWORD + "9",
            "password2": PASSWORD + "9",
            "csrf_token": token,
        },
    )
    assert created.status_code == 303
    page = get(site, "/admin/accounts").text
    assert "芒康县住建局" in page and "芒康县" in page
    bad = post(
        site,
        "/admin/accounts",
        data={
            "name": "<img src=x>",
            "role": "viewer",
            "password": PASSWORD,
            "password2": PASSWORD,
            "csrf_token": token,
        },
    )
    assert bad.status_code == 400 and "<img src=x>" not in bad.text
    disabled = post(site, "/admin/accounts/芒康县住建局/disable", data={"csrf_token": token})
    assert disabled.status_code == 303
    with db.session_scope(site.engine) as session:
        assert accounts.find(session, "芒康县住建局").disabled
    for body in site.seen:
        assert PASSWORD not in body and "argon2" not in body
    assert PASSWORD not in caplog.text


def test_refusals_and_form_errors_read_in_chinese_and_write_nothing(editor_site):
    site = editor_site
    mangkang, jiangzi = code_in(site.engine, "芒康"), code_in(site.engine, "江孜")
    token = token_of(site, f"/projects/{jiangzi}/edit")
    api = {"X-CSRF-Token": get(site, "/api/session").json()["csrf_token"]}
    before = counts(site.engine)
    form = post(site, f"/projects/{mangkang}/status", data={"status": "在建", "csrf_token": token})
    assert form.status_code == 403
    assert (
        f"账户 &#39;江孜县发改委&#39;（江孜县的填报员）无权填报 {mangkang}：超出其填报范围；未写入任何数据" in form.text
    )
    assert "outside its scope" not in form.text
    edit = get(site, f"/projects/{mangkang}/edit")
    assert f"{mangkang}：超出其" in edit.text and "may not" not in edit.text
    by_api = post(site, f"/api/projects/{mangkang}/status", json={"status": "在建"}, headers=api)
    assert by_api.status_code == 403 and "超出其填报范围" in by_api.json()["error"]
    assert "outside its scope" in by_api.json()["error_en"]
    # a form error of the editor's own project: each problem in Chinese
    bad = post(
        site,
        f"/projects/{jiangzi}/report",
        data={"period": "2026-11", "invest_period": "abc", "status": "在建", "csrf_token": token},
    )
    assert bad.status_code == 400
    assert "本期完成投资(万元) &#39;abc&#39; 有误：请给出以万元计的数字" in bad.text
    assert "give a number" not in bad.text
    assert counts(site.engine) == before
