"""The demo page (``make run``) in headless Chromium, talking to the real Rasa server, the
trained model and the action server over the socket.io channel."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import t

from .support import PROJECT

pytestmark = pytest.mark.e2e

QUESTION = "身分證不見了要怎麼補辦"
REPLY_MS = 90_000  # the first answers wait for the model and the search index to warm up
SCREENSHOTS = PROJECT / "docs" / "screenshots"


def open_widget(page: Any, demo: Any) -> Any:
    page.goto(demo.url + "/")
    page.click(".cw-launcher")
    page.wait_for_selector("#cw-input")
    return page


def ask(page: Any, text: str) -> None:
    page.fill("#cw-input", text)
    page.press("#cw-input", "Enter")


def ask_for_cards(page: Any) -> None:
    ask(page, QUESTION)
    page.wait_for_selector(".cw-card", timeout=REPLY_MS)


def session_of(page: Any, demo: Any) -> str:
    return page.evaluate("""() => {
        const key = Object.keys(localStorage).find(k => k.startsWith('coserve-widget:'));
        return JSON.parse(localStorage.getItem(key)).session;
    }""")


def test_a_chinese_question_gets_service_cards(new_page, demo) -> None:
    page = open_widget(new_page(), demo)
    ask_for_cards(page)
    assert page.locator(".cw-bot", has_text=t("results_intro", "zh-TW")).count() == 1
    titles = page.locator(".cw-card h3").all_inner_texts()
    assert any("身分證" in title for title in titles)
    links = page.locator(".cw-card a.cw-choice")
    assert links.count() >= 1 and links.first.get_attribute("href").startswith("https://")


def test_consent_button_reload_and_the_same_conversation_goes_on(new_page, demo) -> None:
    page = open_widget(new_page(), demo)
    ask(page, "你好")
    agree = page.get_by_role("button", name=t("button_agree", "zh-TW"), exact=True)
    agree.wait_for(timeout=REPLY_MS)
    agree.click()
    # The bot reads the payload "/consent_give" as English words and may answer in English.
    thanks_zh = page.locator(".cw-bot", has_text=t("consent_given", "zh-TW")[:6])
    thanks_en = page.locator(".cw-bot", has_text=t("consent_given", "en")[:10])
    thanks_zh.or_(thanks_en).first.wait_for(timeout=REPLY_MS)
    assert page.locator(".cw-user").last.inner_text().endswith(t("button_agree", "zh-TW"))
    session = session_of(page, demo)
    shown = page.locator(".cw-bot, .cw-user").count()

    page.reload()
    page.wait_for_selector(".cw-user")
    assert page.locator(".cw-bot, .cw-user").count() == shown  # the conversation is still there
    assert session_of(page, demo) == session
    before = page.locator(".cw-bot").count()
    ask(page, "你好")
    page.wait_for_function(f"() => document.querySelector('#coserve-widget').shadowRoot"
                           f".querySelectorAll('.cw-bot').length > {before}", timeout=REPLY_MS)
    page.wait_for_timeout(1500)
    new_replies = page.locator(".cw-bot").all_inner_texts()[before:]
    # Rasa kept the tracker: consent was given in this session, so it is not asked again
    assert not any(t("ask_consent", "zh-TW")[:10] in text or t("ask_consent", "en")[:10] in text
                   for text in new_replies), new_replies


def test_html_typed_into_the_real_widget_stays_text(new_page, demo) -> None:
    page = open_widget(new_page(), demo)
    attack = "<img src=x onerror=alert(1)>"
    ask(page, attack)
    page.locator(".cw-bot").first.wait_for(timeout=REPLY_MS)
    page.wait_for_timeout(500)
    assert page.locator(".cw-user").inner_text().endswith(attack)
    assert page.locator("#coserve-widget").locator("img").count() == 0
    # new_page fails the test if any dialog (alert) opened


def test_keyboard_only(new_page, demo) -> None:
    page = new_page()
    page.goto(demo.url + "/")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "coserve-widget":
            break
    page.keyboard.press("Enter")
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    page.wait_for_selector(".cw-card", timeout=REPLY_MS)
    page.keyboard.press("Escape")
    assert page.locator(".cw-panel").is_hidden()


def test_phone_size_screen(new_page, demo) -> None:
    page = open_widget(new_page(390, 844, is_mobile=True, has_touch=True), demo)
    assert page.locator(".cw-panel").bounding_box() == {"x": 0, "y": 0, "width": 390, "height": 844}
    ask_for_cards(page)
    for card in page.locator(".cw-card").all():
        box = card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390


@pytest.mark.parametrize("name, width, height", [("desktop", 1280, 800), ("phone", 390, 844)])
def test_screenshots(new_page, demo, tmp_path: Path, name: str, width: int, height: int) -> None:
    """zh-TW with cards. Written to docs/screenshots/ with COSERVE_UPDATE_SCREENSHOTS=1."""
    page = open_widget(new_page(width, height), demo)
    ask_for_cards(page)
    page.wait_for_timeout(500)
    target = SCREENSHOTS if os.environ.get("COSERVE_UPDATE_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"widget-{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000


def test_language_toggle_switches_the_bot_too(new_page, demo) -> None:
    page = open_widget(new_page(), demo)
    page.click(".cw-lang")
    page.locator(".cw-bot", has_text=t("language_switched", "en")).wait_for(timeout=REPLY_MS)
    assert page.locator(".cw-send").inner_text() == "Send"
    ask(page, "謝謝")  # Chinese words, but English was chosen: the reply and the interface stay English
    page.locator(".cw-bot", has_text="You're welcome").wait_for(timeout=REPLY_MS)
    assert page.locator(".cw-send").inner_text() == "Send"
