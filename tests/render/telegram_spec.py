"""The Telegram Bot API reference, as checks: what Telegram would reject in the methods we call.

From core.telegram.org/bots/api: sendMessage text is 1-4096 characters after entity parsing
(HTML mode: only the documented tags, and "<", ">", "&" escaped elsewhere); callback_data is
1-64 bytes; answerCallbackQuery text at most 200 characters; setWebhook's secret_token 1-256
characters of A-Z a-z 0-9 _ -.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any, Dict, List

TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler", "span",
        "blockquote", "tg-emoji"}  # fmt: skip
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Entities(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.visible: List[str] = []
        self.errors: List[str] = []
        self.open: List[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in TAGS:
            self.errors.append(f"unsupported start tag <{tag}>")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.errors.append(f"unmatched end tag </{tag}>")

    def handle_data(self, data: str) -> None:
        self.visible.append(data)


def html_text_errors(text: Any) -> List[str]:
    """Errors Telegram reports for ``text`` sent with parse_mode HTML."""
    if not isinstance(text, str):
        return ["text must be a string"]
    errors = []
    for match in re.finditer("&", text):
        if not _ENTITY.match(text, match.start()):
            errors.append(f"unescaped '&' at {match.start()}")
    if re.search(r"<(?![a-zA-Z/])", text) or ">" in re.sub(r"<[^<>]*>", "", text):
        errors.append("unescaped '<' or '>'")
    parser = _Entities()
    parser.feed(text)
    parser.close()
    errors += parser.errors + [f"unclosed tag <{tag}>" for tag in parser.open]
    visible = html.unescape("".join(parser.visible))
    if not visible.strip():
        errors.append("message text is empty")
    elif utf16(visible) > 4096:
        errors.append(f"message is too long ({utf16(visible)} characters after entity parsing)")
    return errors


def keyboard_errors(markup: Any) -> List[str]:
    if markup is None:
        return []
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        return ["reply_markup.inline_keyboard must be an array of button rows"]
    errors = []
    for button in (b for row in rows for b in row):
        if not isinstance(button, dict) or not isinstance(button.get("text"), str) or not button["text"]:
            errors.append("every button needs a non-empty text")
            continue
        kinds = [key for key in ("url", "callback_data") if key in button]
        if len(kinds) != 1:
            errors.append("a button needs exactly one of url or callback_data")
        elif kinds == ["url"] and not str(button["url"]).startswith(("https://", "http://", "tg://")):
            errors.append("button url must be http(s) or tg")
        elif kinds == ["callback_data"] and not 1 <= len(str(button["callback_data"]).encode("utf-8")) <= 64:
            errors.append(f"callback_data must be 1-64 bytes: {button['callback_data']!r}")
    return errors


def send_message_errors(params: Dict[str, Any]) -> List[str]:
    errors = [] if params.get("chat_id") not in (None, "") else ["chat_id is required"]
    if params.get("parse_mode") != "HTML":
        errors.append("this channel always sends parse_mode HTML")
    return errors + html_text_errors(params.get("text")) + keyboard_errors(params.get("reply_markup"))


def answer_callback_errors(params: Dict[str, Any]) -> List[str]:
    errors = [] if params.get("callback_query_id") else ["callback_query_id is required"]
    if len(str(params.get("text") or "")) > 200:
        errors.append("text must be at most 200 characters")
    return errors


def set_webhook_errors(params: Dict[str, Any]) -> List[str]:
    errors = [] if str(params.get("url") or "").startswith("https://") else ["url must be an HTTPS URL"]
    secret = params.get("secret_token")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
        errors.append("secret_token must be 1-256 characters of A-Z a-z 0-9 _ -")
    return errors
