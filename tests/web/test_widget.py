"""The widget in headless Chromium against a fake socket.io server: protocol, rendering,
escaping, persistence, language, easy reading, keyboard and screen-reader behaviour.

The fake server (support.FakeRasa) speaks the real frames, so these tests need neither the
model nor Rasa, only Chromium.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List

import pytest

from .support import FAKE_SERVER, FakeRasa, contrast_ratio

CARD = {
    "entry_id": "household-id-card-replacement",
    "title": "國民身分證補領與換領",
    "summary": "身分證遺失可以申請補領。",
    "how_to_apply": "本人攜帶相片至任一戶政事務所辦理。",
    "agency": "臺北市政府民政局",
    "url": "https://ca.gov.taipei/",
    "contact": "1999",
    "buttons": [{"title": "查看官方網站", "payload": "https://ca.gov.taipei/"}],
}
CONSENT = {
    "text": "您同意嗎？",
    "quick_replies": [
        {"content_type": "text", "title": "同意", "payload": "/consent_give"},
        {"content_type": "text", "title": "不同意", "payload": "/consent_decline"},
    ],
}


def bot(text: str) -> List[Dict[str, Any]]:
    """A fake bot: cards for the ID question, the consent question for hello, else an echo."""
    if text.startswith("/change_language"):
        target = json.loads(text[len("/change_language"):])["language"]
        english = "Sure, I'll reply in English from now on."
        return [{"text": english if target == "en" else "好的，接下來我會用中文回覆。"}]
    if "身分證" in text:
        return [{"text": "我找到這些可能符合的服務："}, {"custom": {"cards": [CARD]}}]
    if text in ("你好", "hello"):
        return [{"text": "您好！"}, CONSENT]
    if text == "/consent_give":
        return [{"text": "謝謝您！"}]
    if text == "english please":
        return [{"text": "Sure, I'll reply in English from now on."}]
    return [{"text": f"收到：{text}"}]


@pytest.fixture
def fake() -> FakeRasa:
    return FakeRasa(bot)


def open_demo(new_page, fake_demo, fake: FakeRasa, width: int = 1280, height: int = 800) -> Any:
    page = new_page(width, height)
    fake.attach(page)
    page.goto(fake_demo.url + "/")
    page.click(".cw-launcher")
    page.wait_for_selector("#cw-input")
    return page


def bare_page(page: Any, fake_demo: Any, **query: str) -> None:
    """A host page on another origin (localhost; the demo is on 127.0.0.1) without any CSP."""
    page.goto(fake_demo.host_page_url(**query))


def ask(page: Any, text: str) -> None:
    page.fill("#cw-input", text)
    page.press("#cw-input", "Enter")


def bot_texts(page: Any) -> List[str]:
    return page.locator(".cw-bot").evaluate_all("els => els.map(e => e.lastChild.textContent)")


# ---------------------------------------------------------------- protocol
def test_speaks_socket_io_v5_over_engine_io_v4(new_page, fake_demo, fake) -> None:
    page = open_demo(new_page, fake_demo, fake)
    ask(page, "你好")
    page.wait_for_selector("text=您同意嗎？")
    assert fake.frames[0] == "40"  # connect to the default namespace after the open frame
    session = fake.named("session_request")[0]["session_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", session)
    assert fake.named("user_uttered") == [{"message": "你好", "session_id": session}]
    stored = page.evaluate(f"JSON.parse(localStorage.getItem('coserve-widget:{FAKE_SERVER}'))")
    assert stored["session"] == session

    fake.connections[-1].send("2")  # ping
    page.wait_for_function("() => true")
    page.wait_for_timeout(200)
    assert "3" in fake.frames  # pong


def test_reconnects_with_the_same_session_after_the_connection_drops(new_page, fake_demo, fake) -> None:
    page = open_demo(new_page, fake_demo, fake)
    ask(page, "你好")
    page.wait_for_selector("text=您同意嗎？")
    fake.connections[-1].close()
    page.wait_for_function("() => true")
    page.wait_for_timeout(2500)  # first retry comes after 0.5–1 s
    sessions = [data["session_id"] for data in fake.named("session_request")]
    assert len(fake.connections) >= 2 and len(set(sessions)) == 1
    ask(page, "還在嗎")
    page.wait_for_selector("text=收到：還在嗎")


# ---------------------------------------------------------------- rendering
def test_renders_text_cards_and_link_buttons(new_page, fake_demo, fake) -> None:
    page = open_demo(new_page, fake_demo, fake)
    ask(page, "身分證不見了要怎麼補辦")
    card = page.locator(".cw-card")
    card.wait_for()
    assert card.locator("h3").inner_text() == CARD["title"]
    assert "臺北市政府民政局" in card.inner_text() and "1999" in card.inner_text()
    website = card.locator("a.cw-choice")
    assert website.get_attribute("href") == "https://ca.gov.taipei/"
    assert website.get_attribute("target") == "_blank"
    assert website.get_attribute("rel") == "noopener noreferrer"
    assert page.locator(".cw-user").inner_text().endswith("身分證不見了要怎麼補辦")


def test_a_quick_reply_sends_its_payload_and_shows_its_title(new_page, fake_demo, fake) -> None:
    page = open_demo(new_page, fake_demo, fake)
    ask(page, "你好")
    page.get_by_role("button", name="同意", exact=True).click()
    page.wait_for_selector("text=謝謝您！")
    assert fake.named("user_uttered")[-1]["message"] == "/consent_give"
    assert page.locator(".cw-user").last.inner_text().endswith("同意")
    assert page.locator("[data-quick]").count() == 0  # answered: the choices go away


def test_typing_indicator_shows_while_waiting(new_page, fake_demo) -> None:
    quiet = FakeRasa(lambda text: [])
    page = open_demo(new_page, fake_demo, quiet)
    ask(page, "有人在嗎")
    assert page.locator(".cw-typing").is_visible()
    quiet.say({"text": "在的"})
    page.wait_for_selector("text=在的")
    assert page.locator(".cw-typing").is_hidden()


def test_bot_messages_are_announced_in_the_live_region(new_page, fake_demo, fake) -> None:
    page = open_demo(new_page, fake_demo, fake)
    ask(page, "身分證不見了要怎麼補辦")
    page.wait_for_selector(".cw-card")
    live = page.locator("[aria-live=polite]")
    page.wait_for_function("() => true")
    text = live.text_content()
    assert "我找到這些可能符合的服務" in text and CARD["title"] in text
    assert "身分證不見了要怎麼補辦" not in text  # one's own words are not read back


# ---------------------------------------------------------------- escaping
XSS = '<img src=x onerror=alert(1)><script>alert(2)</script>'


def test_html_from_the_server_is_shown_as_text_and_runs_nothing(new_page, fake_demo) -> None:
    """On a bare host page without CSP: only the widget's escaping protects it."""
    evil = FakeRasa(lambda text: [
        {"text": XSS},
        {"text": "看這裡", "quick_replies": [{"title": "<b>bold</b>", "payload": "javascript:alert(3)"}]},
        {"custom": {"cards": [{**CARD, "title": XSS, "summary": "<iframe src=javascript:alert(4)>",
                               "url": "javascript:alert(5)",
                               "buttons": [
                                   {"title": "go", "payload": "javascript:alert(6)"},
                                   {"title": "data", "payload": "data:text/html,<script>alert(7)</script>"},
                               ]}]}},
        {"attachment": {"type": "image", "payload": {"src": "javascript:alert(8)"}}},
    ])
    page = new_page()
    evil.attach(page)
    bare_page(page, fake_demo)
    page.click(".cw-launcher")
    ask(page, "hi")
    page.wait_for_selector(".cw-card")
    page.wait_for_timeout(300)
    widget = page.locator("#coserve-widget")
    assert widget.locator("img, script, iframe, b").count() == 0
    assert XSS in bot_texts(page)
    assert page.locator(".cw-card h3").inner_text() == XSS
    hrefs = page.locator(".cw-log a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert all(h.startswith(("http://", "https://")) for h in hrefs)
    # a non-web payload is text for the bot, never a link
    assert page.locator("button.cw-choice:has-text('<b>bold</b>')").count() == 1


def test_html_typed_by_the_person_is_shown_as_text(new_page, fake_demo, fake) -> None:
    page = open_demo(new_page, fake_demo, fake)
    ask(page, XSS)
    page.wait_for_selector(f"text=收到：{XSS}")
    assert page.locator(".cw-user").inner_text().endswith(XSS)
    assert page.locator("#coserve-widget").locator("img, script").count() == 0


def test_urls_in_bot_text_become_safe_links(new_page, fake_demo) -> None:
    fake = FakeRasa(lambda text: [{"text": "詳見 https://www.gov.taipei/。或 javascript:alert(1)"}])
    page = open_demo(new_page, fake_demo, fake)
    ask(page, "x")
    link = page.locator(".cw-bot a")
    link.wait_for()
    assert link.count() == 1 and link.get_attribute("href") == "https://www.gov.taipei/"


# ---------------------------------------------------------------- persistence
def test_reload_keeps_the_conversation_and_the_session(new_page, fake_demo, fake) -> None:
    page = open_demo(new_page, fake_demo, fake)
    ask(page, "身分證不見了要怎麼補辦")
    page.wait_for_selector(".cw-card")
    ask(page, "你好")
    page.wait_for_selector("text=您同意嗎？")
    first_session = fake.named("session_request")[0]["session_id"]

    page.reload()
    page.wait_for_selector(".cw-card")  # the panel was open, so it opens again with the history
    assert page.locator(".cw-user").count() == 2
    assert page.get_by_role("button", name="同意", exact=True).count() == 1  # the latest choices still work
    page.get_by_role("button", name="同意", exact=True).click()
    page.wait_for_selector("text=謝謝您！")
    sessions = {data["session_id"] for data in fake.named("session_request")}
    assert sessions == {first_session}
    assert fake.named("user_uttered")[-1] == {"message": "/consent_give", "session_id": first_session}


def test_new_conversation_forgets_history_and_session(new_page, fake_demo, fake) -> None:
    page = open_demo(new_page, fake_demo, fake)
    ask(page, "你好")
    page.wait_for_selector("text=您同意嗎？")
    page.click(".cw-new")
    assert page.locator(".cw-user, .cw-bot").count() == 0
    page.wait_for_timeout(300)
    first, second = [data["session_id"] for data in fake.named("session_request")][:2]
    assert first != second
    page.reload()
    assert page.locator(".cw-user, .cw-bot").count() == 0


# ---------------------------------------------------------------- language
def test_language_toggle_switches_the_interface_and_asks_the_bot(new_page, fake_demo, fake) -> None:
    page = open_demo(new_page, fake_demo, fake)
    assert page.locator(".cw-send").inner_text() == "送出"
    page.click(".cw-lang")
    assert page.locator(".cw-send").inner_text() == "Send"
    assert page.locator(".cw").get_attribute("lang") == "en"
    page.wait_for_selector("text=Sure, I'll reply in English from now on.")
    assert fake.named("user_uttered")[-1]["message"] == '/change_language{"language":"en"}'
    assert page.locator(".cw-user").count() == 0  # the command itself is not shown
    page.reload()
    assert page.locator(".cw-send").inner_text() == "Send"


def test_the_interface_follows_the_language_of_replies(new_page, fake_demo, fake) -> None:
    page = open_demo(new_page, fake_demo, fake)
    ask(page, "english please")
    page.wait_for_selector("text=Sure, I'll reply in English")
    assert page.locator("#cw-input").get_attribute("placeholder") == "Type your question…"
    assert page.locator(".cw-bot").last.evaluate("e => e.closest('[lang]').lang") == "en"
    ask(page, "身分證")
    page.wait_for_selector(".cw-card")
    assert page.locator("#cw-input").get_attribute("placeholder") == "輸入您的問題…"


def test_data_lang_sets_the_first_language(new_page, fake_demo, fake) -> None:
    page = new_page()
    fake.attach(page)
    bare_page(page, fake_demo, attrs='data-lang="en"', lang="de")
    assert page.locator(".cw-launcher").inner_text() == "Ask us"


# ---------------------------------------------------------------- easy reading
def test_easy_reading_enlarges_text_and_is_remembered(new_page, fake_demo, fake) -> None:
    page = open_demo(new_page, fake_demo, fake)
    ask(page, "你好")
    page.wait_for_selector("text=您同意嗎？")
    bubble = page.locator(".cw-bot").first

    def size() -> float:
        return bubble.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")

    def spacing() -> float:
        return bubble.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")

    normal_size, normal_spacing = size(), spacing()
    page.click(".cw-easy-toggle")
    assert page.locator(".cw-easy-toggle").get_attribute("aria-pressed") == "true"
    assert size() >= normal_size * 1.2 and spacing() / size() > normal_spacing / normal_size
    page.reload()
    assert page.locator(".cw-easy-toggle").get_attribute("aria-pressed") == "true"
    assert size() >= normal_size * 1.2


# ---------------------------------------------------------------- keyboard and focus
def focused(page: Any) -> str:
    """The focused element, looking inside the widget's shadow root."""
    return page.evaluate("""() => {
        let el = document.activeElement;
        while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
        return el ? (el.id || el.className || el.tagName) : "";
    }""")


def test_keyboard_only_use(new_page, fake_demo, fake) -> None:
    page = new_page()
    fake.attach(page)
    page.goto(fake_demo.url + "/")
    for _ in range(10):
        page.keyboard.press("Tab")
        if focused(page) == "cw-launcher":
            break
    assert focused(page) == "cw-launcher"
    outline = page.locator(".cw-launcher").evaluate(
        "e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth")
    assert outline.startswith("solid") and not outline.endswith(" 0px")  # visible focus
    page.keyboard.press("Enter")
    assert focused(page) == "cw-input"  # opening moves focus to the input
    page.keyboard.type("你好")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=您同意嗎？")
    # Shift+Tab from the input reaches the quick replies, the last one ("不同意") first
    page.keyboard.press("Shift+Tab")
    assert focused(page) == "cw-choice"
    page.keyboard.press("Enter")
    page.wait_for_selector("text=收到：/consent_decline")
    assert page.locator(".cw-user").last.inner_text().endswith("不同意")
    assert focused(page) == "cw-input"
    page.keyboard.press("Escape")
    assert page.locator(".cw-panel").is_hidden()
    assert focused(page) == "cw-launcher"  # focus goes back where it came from


def test_header_controls_come_first_in_tab_order(new_page, fake_demo, fake) -> None:
    page = open_demo(new_page, fake_demo, fake)
    page.locator(".cw-easy-toggle").focus()
    order = [focused(page)]
    for _ in range(5):
        page.keyboard.press("Tab")
        order.append(focused(page))
    assert order == ["cw-easy-toggle", "cw-lang", "cw-new", "cw-close", "cw-log", "cw-input"]


# ---------------------------------------------------------------- phone
def test_phone_screen_gets_a_full_screen_panel_with_focus_kept_inside(new_page, fake_demo, fake) -> None:
    page = open_demo(new_page, fake_demo, fake, 390, 844)
    box = page.locator(".cw-panel").bounding_box()
    assert box == {"x": 0, "y": 0, "width": 390, "height": 844}
    assert page.locator(".cw-launcher").is_hidden()
    assert page.locator(".cw-panel").get_attribute("aria-modal") == "true"
    ask(page, "身分證不見了要怎麼補辦")
    card = page.locator(".cw-card")
    card.wait_for()
    assert card.bounding_box()["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    page.locator(".cw-send").focus()
    page.keyboard.press("Tab")
    assert focused(page) == "cw-easy-toggle"  # wraps to the top instead of leaving the panel
    page.keyboard.press("Escape")
    assert page.locator(".cw-launcher").is_visible()


# ---------------------------------------------------------------- contrast as rendered
CONTRAST_JS = """() => {
  const root = document.querySelector('#coserve-widget').shadowRoot;
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const background = (el) => {
    for (let e = el; e && e.nodeType === 1; e = e.parentElement || (e.getRootNode().host || null)) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of root.querySelectorAll('*')) {
    const direct = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!direct || !el.getClientRects().length || el.closest('.sr-only')) continue;
    const style = getComputedStyle(el);
    out.push({text: el.textContent.trim().slice(0, 20), fg: rgb(style.color).slice(0, 3), bg: background(el),
              size: parseFloat(style.fontSize), bold: parseInt(style.fontWeight) >= 700});
  }
  for (const input of root.querySelectorAll('input')) {
    out.push({text: 'placeholder', fg: rgb(getComputedStyle(input, '::placeholder').color).slice(0, 3),
              bg: background(input), size: 16, bold: false});
  }
  return out;
}"""


@pytest.mark.parametrize("easy", [False, True])
def test_rendered_text_meets_wcag_aa_contrast(new_page, fake_demo, fake, easy: bool) -> None:
    page = open_demo(new_page, fake_demo, fake)
    if easy:
        page.click(".cw-easy-toggle")
    ask(page, "身分證不見了要怎麼補辦")
    page.wait_for_selector(".cw-card")
    ask(page, "你好")
    page.wait_for_selector("text=您同意嗎？")
    items = page.evaluate(CONTRAST_JS)
    assert len(items) > 10
    for item in items:
        large = item["size"] >= 24 or (item["bold"] and item["size"] >= 18.66)
        ratio = contrast_ratio(tuple(item["fg"]), tuple(item["bg"]))
        assert ratio >= (3 if large else 4.5), item


def test_a_reply_while_closed_marks_the_launcher(new_page, fake_demo) -> None:
    quiet = FakeRasa(lambda text: [])
    page = open_demo(new_page, fake_demo, quiet)
    ask(page, "等一下回我")
    page.keyboard.press("Escape")
    quiet.say({"text": "回覆來了"})
    page.locator(".cw-unread").wait_for()
    assert page.locator(".cw-launcher").text_content() == "問小幫手（有新訊息）"
    assert "回覆來了" in page.locator("[aria-live=polite]").text_content()  # announced while closed
    page.click(".cw-launcher")
    assert page.locator(".cw-unread").is_hidden()
    assert page.locator(".cw-launcher").text_content() == "問小幫手"
