"""The LINE Messaging API reference, as checks: what LINE would reject in a reply or push body.

Written from developers.line.biz/en/reference/messaging-api (message objects, Flex Message,
quick reply, action objects) and "Character counting in a text": text is counted in UTF-16 code
units, action labels and displayText in grapheme clusters. Independent of the renderer on
purpose: the renderer counts conservatively, this counts the way LINE documents.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

import regex

MESSAGE_KEYS = {"type", "text", "quickReply", "altText", "contents", "sender", "emojis", "quoteToken"}
URI_SCHEMES = ("http://", "https://", "line://", "tel:")


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def graphemes(text: str) -> int:
    return len(regex.findall(r"\X", text))


def json_bytes(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _string(errors: List[str], where: str, value: Any, low: int, high: int, count=utf16) -> None:
    if not isinstance(value, str):
        errors.append(f"{where} must be a string")
    elif not low <= count(value) <= high:
        errors.append(f"{where} must be {low}-{high} characters, got {count(value)}")


def action_errors(action: Any, where: str, quick_reply: bool = False) -> List[str]:
    errors: List[str] = []
    if not isinstance(action, dict):
        return [f"{where} must be an object"]
    kind = action.get("type")
    _string(errors, f"{where}.label", action.get("label"), 1, 20, graphemes)
    if kind == "postback":
        _string(errors, f"{where}.data", action.get("data"), 0, 300)
        if quick_reply or "displayText" in action:
            _string(errors, f"{where}.displayText", action.get("displayText"), 1, 300, graphemes)
        if "displayText" in action and "text" in action:
            errors.append(f"{where}: displayText and text cannot both be set")
    elif kind == "uri":
        uri = action.get("uri")
        _string(errors, f"{where}.uri", uri, 1, 1000)
        if isinstance(uri, str) and not uri.startswith(URI_SCHEMES):
            errors.append(f"{where}.uri must use http, https, line or tel")
    else:
        errors.append(f"{where}.type {kind!r} is not an action this channel uses")
    return errors


def _component_errors(component: Any, where: str) -> List[str]:
    if not isinstance(component, dict):
        return [f"{where} must be an object"]
    kind = component.get("type")
    if kind == "box":
        errors = (
            [] if component.get("layout") in ("vertical", "horizontal", "baseline") else [f"{where}.layout"]
        )
        contents = component.get("contents")
        if not isinstance(contents, list):
            return errors + [f"{where}.contents must be an array"]
        for i, child in enumerate(contents):
            errors += _component_errors(child, f"{where}.contents[{i}]")
        return errors
    if kind == "text":
        errors = []
        _string(errors, f"{where}.text", component.get("text"), 1, 10**9)
        return errors
    if kind == "button":
        return action_errors(component.get("action"), f"{where}.action")
    if kind in ("separator", "filler"):
        return []
    return [f"{where}.type {kind!r} is not a Flex component this channel uses"]


def bubble_errors(bubble: Any, where: str) -> List[str]:
    if not isinstance(bubble, dict) or bubble.get("type") != "bubble":
        return [f"{where} must be a bubble"]
    errors = [f"{where} is over 30 KB"] if json_bytes(bubble) > 30_000 else []
    for block in ("header", "body", "footer"):
        if block in bubble:
            errors += _component_errors(bubble[block], f"{where}.{block}")
    return errors


def message_errors(message: Any, where: str = "message") -> List[str]:
    if not isinstance(message, dict):
        return [f"{where} must be an object"]
    errors = [f"{where}.{key} is not a message property" for key in set(message) - MESSAGE_KEYS]
    kind = message.get("type")
    if kind == "text":
        _string(errors, f"{where}.text", message.get("text"), 1, 5000)
    elif kind == "flex":
        _string(errors, f"{where}.altText", message.get("altText"), 1, 1500)
        contents = message.get("contents")
        if isinstance(contents, dict) and contents.get("type") == "carousel":
            bubbles = contents.get("contents")
            if not isinstance(bubbles, list) or not 1 <= len(bubbles) <= 12:
                errors.append(f"{where}.contents must hold 1-12 bubbles")
            else:
                for i, bubble in enumerate(bubbles):
                    errors += bubble_errors(bubble, f"{where}.contents.contents[{i}]")
            if json_bytes(contents) > 50_000:
                errors.append(f"{where}.contents is over 50 KB")
        else:
            errors += bubble_errors(contents, f"{where}.contents")
    else:
        errors.append(f"{where}.type {kind!r} is not a message type this channel uses")
    if "quickReply" in message:
        errors += _quick_reply_errors(message["quickReply"], f"{where}.quickReply")
    return errors


def _quick_reply_errors(quick: Any, where: str) -> List[str]:
    items = quick.get("items") if isinstance(quick, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= 13:
        return [f"{where}.items must hold 1-13 items"]
    errors: List[str] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or item.get("type") != "action":
            errors.append(f"{where}.items[{i}].type must be 'action'")
        else:
            errors += action_errors(item.get("action"), f"{where}.items[{i}].action", quick_reply=True)
    return errors


def messages_errors(messages: Any) -> List[str]:
    """Everything wrong with the ``messages`` of a reply or push request (empty if nothing)."""
    if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
        return ["messages must hold 1-5 message objects"]
    errors: List[str] = []
    for i, message in enumerate(messages):
        errors += message_errors(message, f"messages[{i}]")
    return errors


def request_errors(endpoint: str, body: Dict[str, Any]) -> List[str]:
    """Errors in a whole reply (``replyToken``) or push (``to``) body."""
    errors: List[str] = []
    target = "replyToken" if endpoint == "reply" else "to"
    _string(errors, target, body.get(target), 1, 10_000)
    unknown = set(body) - {target, "messages", "notificationDisabled", "customAggregationUnits"}
    errors += [f"{key} is not a request property" for key in unknown]
    return errors + messages_errors(body.get("messages"))
