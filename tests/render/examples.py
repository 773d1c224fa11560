"""Fixed dialogue turns (zh-TW and en) and hypothesis strategies for arbitrary ones."""

from __future__ import annotations

from typing import Any, Dict, List

from hypothesis import strategies as st

from bot.render.response import Button, Card, Response, Style

CONSENT = {
    "zh-TW": Response(
        "在開始前說明一下：如果您同意，我會以匿名方式記錄您的需求。您同意嗎？",
        buttons=[Button("同意", "/consent_give"), Button("不同意", "/consent_decline")],
    ),
    "en": Response(
        "Before we start: if you agree, I'll record your needs pseudonymously. Do you agree?",
        buttons=[Button("I agree", "/consent_give"), Button("No, thanks", "/consent_decline")],
    ),
}

CARDS = {
    "zh-TW": Response(
        "我找到這些可能符合的服務：",
        cards=[
            Card(
                entry_id="childcare-parenting-allowance",
                title="育兒津貼（0至未滿2歲）",
                summary="家中有未滿2歲幼兒、由家人自行照顧的家庭，可每月領取育兒津貼。",
                how_to_apply="向兒童戶籍地區公所社會課申請，部分項目可線上申辦。",
                agency="臺北市政府社會局",
                url="https://www.sfaa.gov.tw/",
                contact="1957",
                buttons=[Button("查看官方網站", "https://www.sfaa.gov.tw/")],
                eligibility="未滿2歲兒童，父母至少一方與兒童設籍臺北市。",
                documents=["申請人身分證", "存摺封面影本"],
                fees="免費。",
            ),
            Card(
                entry_id="waste-bulky-items",
                title="大型廢棄物清運 <家具> & 家電",
                summary="舊家具、床墊可預約免費清運。",
                agency="臺北市政府環境保護局",
            ),
        ],
        buttons=[Button("轉真人", "/request_human")],
    ),
    "en": Response(
        "Here are services that may fit:",
        cards=[
            Card(
                entry_id="childcare-parenting-allowance",
                title="Childcare allowance for children under 2",
                summary="Families who look after a child under 2 themselves can receive a monthly allowance.",
                how_to_apply="Apply at the social affairs section of the child's district office.",
                agency="Department of Social Welfare, Taipei City Government",
                url="https://www.sfaa.gov.tw/",
                contact="1957",
                buttons=[Button("Official website", "https://www.sfaa.gov.tw/")],
                eligibility="Children under 2 registered in Taipei with a parent.",
                documents=["Applicant's ID card", "Copy of passbook cover"],
                fees="Free.",
            ),
            Card(
                entry_id="waste-bulky-items",
                title="Bulky waste pickup <furniture> & appliances",
                summary="Old furniture and mattresses are collected free by appointment.",
                agency="Department of Environmental Protection",
            ),
        ],
        buttons=[Button("Talk to a person", "/request_human")],
    ),
}


def rasa_message(response: Response) -> Dict[str, Any]:
    """The bot message Rasa hands an output channel for ``dispatcher.utter_message(**kwargs)``."""
    kwargs = response.to_rasa_message()
    message: Dict[str, Any] = {"text": kwargs["text"]}
    if "buttons" in kwargs:
        message["buttons"] = kwargs["buttons"]
    if "json_message" in kwargs:
        message["custom"] = kwargs["json_message"]
    return message


def example_turn(language: str) -> List[Dict[str, Any]]:
    """A greeting-and-results turn: two messages, buttons on both, cards on the second."""
    return [rasa_message(CONSENT[language]), rasa_message(CARDS[language])]


# Arbitrary text: CJK, emoji (incl. ZWJ sequences and flags), combining marks, HTML-ish, long.
_PIECES = st.sampled_from(list("aZ 0\n\t<>&\"'/~臺北市民服務") + ["👍", "👩‍👩‍👧", "🇹🇼", "é", "e\u0301", "𠀋"])


def text_of(min_size: int = 0, max_size: int = 300) -> st.SearchStrategy[str]:
    return st.lists(_PIECES, min_size=min_size, max_size=max_size).map("".join)


texts = st.one_of(st.text(max_size=60), text_of(max_size=300), text_of(min_size=4000, max_size=12000))
short_texts = st.one_of(st.text(max_size=30), text_of(max_size=400))
field_texts = st.one_of(st.text(max_size=60), text_of(max_size=700))
payloads = st.one_of(st.sampled_from(["/consent_give", "/help", "https://www.gov.taipei/", ""]), short_texts)
buttons = st.builds(Button, title=short_texts, payload=payloads)
cards = st.builds(
    Card,
    entry_id=st.text(max_size=20),
    title=field_texts,
    summary=field_texts,
    how_to_apply=st.none() | field_texts,
    agency=st.none() | short_texts,
    url=st.none()
    | st.sampled_from(["https://www.gov.taipei/", "http://x.tw/a b", "tel:1999", "ftp://x"])
    | short_texts,
    contact=st.none() | short_texts,
    buttons=st.lists(buttons, max_size=4),
    eligibility=st.none() | field_texts,
    documents=st.lists(short_texts, max_size=5),
    fees=st.none() | short_texts,
)
styles = st.none() | st.builds(
    Style, answer_length=st.sampled_from(["brief", "detailed"]), easy_reading=st.booleans()
)
responses = st.builds(
    Response,
    text=texts,
    cards=st.lists(cards, max_size=15),
    buttons=st.lists(buttons, max_size=16),
    style=styles,
)
turns = st.lists(responses.map(rasa_message), min_size=1, max_size=8)
