"""Sign-in, sessions, throttling and CSRF: every route needs a session, every POST its token."""

from __future__ import annotations

from typing import Any

import pytest
from insights.support import Clock

from bot.dashboard.auth import SESSION_COOKIE, SIGNIN_COOKIE
from bot.dashboard.config import DashboardSettings

from .support import PASSWORD, STAFF, csrf_of, sign_in

PAGES = ["/", "/gaps", "/handoffs", "/addressed", "/?from=2026-11-01&to=2026-11-22"]
DOWNLOADS = ["/export/csv", "/export/json", "/export/parquet", "/export/html"]
POSTS = ["/addressed", "/logout"]


@pytest.mark.parametrize("path", PAGES)
async def test_pages_without_a_session_redirect_to_sign_in(client: Any, path: str) -> None:
    response = await client.get(path, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", DOWNLOADS)
async def test_downloads_without_a_session_are_401(client: Any, path: str) -> None:
    response = await client.get(path)
    assert response.status == 401
    assert "PK" not in await response.text()


@pytest.mark.parametrize("path", POSTS)
async def test_posts_without_a_session_are_401(client: Any, path: str) -> None:
    response = await client.post(path, data={"csrf": "x"}, allow_redirects=False)
    assert response.status == 401


async def test_a_forged_session_cookie_is_not_a_session(client: Any) -> None:
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: "made-up-token"})
    assert (await client.get("/", allow_redirects=False)).status == 303
    assert (await client.get("/export/csv")).status == 401


async def test_sign_in_returns_to_the_page_asked_for(client: Any) -> None:
    response = await sign_in(client, next="/handoffs")
    assert response.status == 303 and response.headers["Location"] == "/handoffs"
    assert (await client.get("/handoffs")).status == 200


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
async def test_sign_in_never_redirects_off_site(client: Any, target: str) -> None:
    response = await sign_in(client, next=target)
    assert response.headers["Location"] == "/"


async def test_cookies_are_httponly_strict_and_secure(make_client: Any) -> None:
    client = await make_client(DashboardSettings())  # secure_cookies defaults to true
    form = await client.get("/login")
    token = form.cookies[SIGNIN_COOKIE].value
    # The test client speaks HTTP, so it would not send a Secure cookie back by itself.
    response = await client.post("/login", data={"csrf": csrf_of(await form.text()), "name": STAFF,
                                                 "password": PASSWORD},
                                 headers={"Cookie": f"{SIGNIN_COOKIE}={token}"}, allow_redirects=False)
    for cookie in (form.cookies[SIGNIN_COOKIE], response.cookies[SESSION_COOKIE]):
        assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["secure"]
    assert int(response.cookies[SESSION_COOKIE]["max-age"]) == 480 * 60


@pytest.mark.parametrize("name, password", [(STAFF, "wrong password here"), ("nobody", PASSWORD),
                                            (STAFF, "")])
async def test_wrong_name_or_password_is_refused_alike(client: Any, name: str, password: str) -> None:
    response = await sign_in(client, name, password)
    assert response.status == 401
    assert "帳號或密碼錯誤" in await response.text()
    assert SESSION_COOKIE not in response.cookies
    assert (await client.get("/", allow_redirects=False)).status == 303


async def test_failed_sign_ins_lock_the_user_name(client: Any, clock: Clock) -> None:
    for _ in range(5):
        assert (await sign_in(client, password="not the password")).status == 401
    locked = await sign_in(client)  # the right password, but locked
    assert locked.status == 429 and "15 分鐘" in await locked.text()
    clock.advance(minutes=16)
    assert (await sign_in(client)).status == 303


async def test_failed_sign_ins_lock_the_address_across_names(client: Any) -> None:
    for number in range(5):
        await sign_in(client, f"guess{number}", "not the password")
    assert (await sign_in(client)).status == 429


async def test_sessions_expire(staff: Any, clock: Clock) -> None:
    clock.advance(minutes=479)
    assert (await staff.get("/handoffs", allow_redirects=False)).status == 200
    clock.advance(minutes=2)
    assert (await staff.get("/handoffs", allow_redirects=False)).status == 303
    assert (await staff.get("/export/csv")).status == 401


async def test_sign_out_ends_the_session(staff: Any) -> None:
    token = staff.session.cookie_jar.filter_cookies(staff.make_url("/"))[SESSION_COOKIE].value
    page = await (await staff.get("/")).text()
    response = await staff.post("/logout", data={"csrf": csrf_of(page)}, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/login"
    assert (await staff.get("/", allow_redirects=False)).status == 303
    staff.session.cookie_jar.update_cookies({SESSION_COOKIE: token})  # the old cookie, replayed
    assert (await staff.get("/", allow_redirects=False)).status == 303


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
async def test_sign_out_needs_the_csrf_token(staff: Any, token: Any) -> None:
    data = {} if token is None else {"csrf": token}
    response = await staff.post("/logout", data=data, allow_redirects=False)
    assert response.status == 403
    assert (await staff.get("/", allow_redirects=False)).status == 200


async def test_the_sign_in_form_needs_its_csrf_token(client: Any) -> None:
    await client.get("/login")
    response = await client.post("/login", data={"name": STAFF, "password": PASSWORD})
    assert response.status == 403
    page = await (await client.get("/login")).text()
    client.session.cookie_jar.update_cookies({SIGNIN_COOKIE: "another"})
    response = await client.post("/login", data={"csrf": csrf_of(page), "name": STAFF,
                                                 "password": PASSWORD})
    assert response.status == 403


async def test_each_sign_in_gets_a_new_session_token(client: Any) -> None:
    first = (await sign_in(client)).cookies[SESSION_COOKIE].value
    second = (await sign_in(client)).cookies[SESSION_COOKIE].value
    assert first != second


@pytest.mark.parametrize("path", ["/login", "/", "/export/csv"])
async def test_every_response_has_a_strict_content_security_policy(client: Any, path: str) -> None:
    response = await client.get(path, allow_redirects=False)
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
