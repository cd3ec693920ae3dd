"""The dashboard at /_radist/: a real browser clicks its actions, and the
state they produce is checked through the Python API."""

from __future__ import annotations

import re

from pathlib import Path
from typing import Any

from pytest_radist import RadistFake

from .helpers import calls_path, raw

def test_the_page_is_self_contained_html(radist_fake: RadistFake) -> None:
    import urllib.request

    with urllib.request.urlopen(radist_fake.url + "/_radist/", timeout=5) as response:
        html = response.read().decode()
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<script>" in html and "<style>" in html
    links = re.findall(r"<link[^>]*>", html)
    assert links == ['<link rel="icon" href="data:,">']  # an empty icon: the browser asks for no /favicon.ico
    assert "src=" not in html and "https://" not in html  # no CDN, nothing to fetch


def test_the_snapshot_is_bounded_and_reading_changes_nothing(radist_fake: RadistFake, door: str) -> None:
    for _ in range(60):
        radist_fake.make_call()
    before = (len(radist_fake.calls), radist_fake.clock.time(), len(radist_fake.requests))
    status, snapshot = raw(radist_fake, door, "GET", "/_radist/dashboard.json", key=None)
    assert status == 200 and len(snapshot["calls"]) == 50 and snapshot["totals"]["calls"] == 60
    assert snapshot["calls"][0]["callId"] == list(radist_fake.calls)[-1]  # newest first
    assert (len(radist_fake.calls), radist_fake.clock.time(), len(radist_fake.requests)) == before


def test_the_dashboard_in_a_browser(radist_fake: RadistFake, browser: Any, tmp_path: Path) -> None:
    call = radist_fake.make_call("public")
    raw(radist_fake, "http", "POST", calls_path(radist_fake))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(radist_fake.url + "/_radist/")
        row = page.locator(f'tr[data-call="{call.id}"]')
        row.wait_for(timeout=10_000)
        assert radist_fake.project.secret_key not in page.inner_text("#projects")  # masked until revealed
        page.click(f'#projects button[data-reveal="{radist_fake.project.secret_key}"]')
        page.wait_for_function(f"document.querySelector('#projects').innerText.includes('{radist_fake.project.secret_key}')")

        row.locator(f'button[data-join="{call.tokens[0].value}"]').click()
        peer = radist_fake.wait_until(lambda: call.connected_peers, what="the join clicked in the page")[0]
        row.locator(f'button[data-expire="{call.tokens[1].value}"]').click()
        radist_fake.wait_until(lambda: call.tokens[1].state == "expired", what="the token expired from the page")
        page.locator(f'button[data-remove="{peer.id}"]').click()
        radist_fake.wait_until(lambda: peer.gone, what="the removal clicked in the page")

        before = radist_fake.clock.time()
        page.fill("#advance input[name=seconds]", "90")
        page.click("#advance button")
        radist_fake.wait_until(lambda: radist_fake.clock.time() == before + 90, what="the clock moved from the page")

        page.select_option("#fault select[name=endpoint]", "create_room")
        page.fill("#fault input[name=status]", "503")
        page.click("#fault button")
        radist_fake.wait_until(lambda: radist_fake.faults, what="the fault added from the page")
        assert radist_fake.faults[0].endpoint == "create_room" and radist_fake.faults[0].status == 503

        page.select_option("#journal-filter select[name=endpoint]", "create_call")
        page.wait_for_function("document.querySelector('#journal-total').innerText.startsWith('(1 newest')")

        page.set_viewport_size({"width": 420, "height": 900})  # a narrow window still shows every section
        assert page.locator("#calls").is_visible() and page.locator("#journal").is_visible()
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

        page.click("#clear-faults")
        radist_fake.wait_until(lambda: not radist_fake.faults, what="the faults cleared from the page")
        page.click("#reset")
        radist_fake.wait_until(lambda: not radist_fake.calls, what="the reset clicked in the page")
    finally:
        context.close()


def test_the_dashboard_shows_one_project_when_asked(radist_fake: RadistFake, door: str) -> None:
    other = radist_fake.add_project("tenant-b")
    mine, theirs = radist_fake.make_call(), radist_fake.make_call(project=other)
    radist_fake.make_space("Theirs", project=other)
    raw(radist_fake, door, "POST", calls_path(radist_fake, other.id), key=other.secret_key, json={})
    radist_fake.fail("create_room", status=503, project=radist_fake.project.id)
    other.clock.advance(5)
    status, shown = raw(radist_fake, door, "GET", "/_radist/dashboard.json?project=tenant-b", key=None)
    assert status == 200 and shown["project"] == "tenant-b"
    assert [c["callId"] for c in shown["calls"]][-1] == theirs.id and mine.id not in [c["callId"] for c in shown["calls"]]
    assert shown["totals"] == {"calls": 2, "rooms": 0, "spaces": 1} and [p["id"] for p in shown["projects"]] == ["tenant-b"]
    assert [r["project"] for r in shown["journal"]] == ["tenant-b"] and shown["faults"] == []
    assert shown["now"] == "2026-01-01T00:00:05.000Z" and shown["projectIds"] == ["test-project", "tenant-b"]
    assert raw(radist_fake, door, "GET", "/_radist/dashboard.json?project=nobody", key=None)[0] == 404


def test_the_page_filters_by_project(radist_fake: RadistFake, browser: Any) -> None:
    other = radist_fake.add_project("tenant-b")
    raw(radist_fake, "http", "POST", calls_path(radist_fake), json={})
    raw(radist_fake, "http", "POST", calls_path(radist_fake, other.id), key=other.secret_key, json={})
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(radist_fake.url + "/_radist/")
        page.wait_for_function("document.querySelector('#journal-total').innerText.startsWith('(2 newest')")
        page.wait_for_function("[...document.querySelectorAll('#journal-filter select[name=project] option')].length === 3")
        page.select_option("#journal-filter select[name=project]", "tenant-b")
        page.wait_for_function("document.querySelector('#journal-total').innerText.startsWith('(1 newest')")
        assert "tenant-b" in page.inner_text("#projects") and "test-project" not in page.inner_text("#projects")
    finally:
        context.close()
