"""Redaction: real-looking identifiers go, ordinary numbers stay, and redact() is total."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.privacy.redaction import (
    ADDRESS,
    BANK_ACCOUNT,
    CARD,
    EMAIL,
    ID_NUMBER,
    PHONE,
    PLACEHOLDERS,
    redact,
)

POSITIVE = [
    # national ID and resident certificates
    ("我的身分證字號是A123456789，請幫我查", "我的身分證字號是[ID_NUMBER]，請幫我查"),
    ("身分證 F223456789", f"身分證 {ID_NUMBER}"),
    ("my id is a123456789 thanks", f"my id is {ID_NUMBER} thanks"),
    ("ID: Z198765432.", f"ID: {ID_NUMBER}."),
    ("居留證號碼AB12345678", f"居留證號碼{ID_NUMBER}"),
    ("old ARC number fc01234567", f"old ARC number {ID_NUMBER}"),
    ("新式居留證 A812345678", f"新式居留證 {ID_NUMBER}"),
    ("UI number F912345678 please", f"UI number {ID_NUMBER} please"),
    ("身分證Ａ１２３４５６７８９", f"身分證{ID_NUMBER}"),
    # mobile phones
    ("手機0912345678", f"手機{PHONE}"),
    ("請打 0912-345-678 找我", f"請打 {PHONE} 找我"),
    ("0933 123 456", PHONE),
    ("手機：０９３３－１２３－４５６", f"手機：{PHONE}"),
    ("電話：0987-654321", f"電話：{PHONE}"),
    ("call me on +886 912 345 678", f"call me on {PHONE}"),
    ("+886-912-345-678", PHONE),
    ("+886912345678", PHONE),
    ("(+886) 952 111 222", PHONE),
    ("００８８６９１２３４５６７８", PHONE),
    ("手機０９１２３４５６７８", f"手機{PHONE}"),
    # landlines
    ("市話(02)2345-6789", f"市話{PHONE}"),
    ("02-23456789", PHONE),
    ("02 2345 6789 分機 123", PHONE),
    ("(02) 2720-8889#1234", PHONE),
    ("家裡電話0223456789", f"家裡電話{PHONE}"),
    ("(037)123456", PHONE),
    ("07-3456789", PHONE),
    ("+886 2 2345 6789", PHONE),
    ("+886-4-2345-6789", PHONE),
    # e-mail
    ("信箱 wang.xiaoming@gmail.com", f"信箱 {EMAIL}"),
    ("my email is jane_doe+city@example.org.tw!", f"my email is {EMAIL}!"),
    ("Email: Chen.Mei-Ling@mail.taipei.gov.tw", f"Email: {EMAIL}"),
    ("寄到abc123@yahoo.com.tw就好", f"寄到{EMAIL}就好"),
    ("ｗａｎｇ＠ｇｍａｉｌ．ｃｏｍ", EMAIL),
    # Chinese street addresses
    ("我住在臺北市大安區復興南路一段390號3樓", f"我住在{ADDRESS}"),
    ("台北市信義區市府路1號", ADDRESS),
    ("大安區和平東路二段106巷7弄3號5樓之1", ADDRESS),
    ("地址：新北市板橋區中山路一段161號", f"地址：{ADDRESS}"),
    ("中山北路二段45巷3號2F", ADDRESS),
    ("住址是台北市中正區重慶南路一段122號", f"住址是{ADDRESS}"),
    ("萬華區西園路二段261巷12弄8號B1", ADDRESS),
    ("士林區中正路439號之2", ADDRESS),
    ("凱達格蘭大道1號", ADDRESS),
    ("台北市北投區大同街 12巷 3號 4樓", ADDRESS),
    ("內湖區成功路四段12-1號", ADDRESS),
    ("臺北市大安區龍安里5鄰新生南路三段86號", ADDRESS),
    ("我家在永康街12巷，很近", f"我家在{ADDRESS}，很近"),
    ("文山區木柵路三段１２號５樓", ADDRESS),
    ("信義路五段7號89樓之1", ADDRESS),
    ("松山區八德路四段692號地下一樓", ADDRESS),
    ("中正區羅斯福路一段7號 12F-3", ADDRESS),
    ("桃園市中壢區中正路100號", ADDRESS),
    # English addresses
    ("No. 390, Sec. 1, Fuxing S. Rd., Da'an Dist., Taipei City 106", ADDRESS),
    ("I live at 3F., No. 1, Shifu Rd., Xinyi District, Taipei City", f"I live at {ADDRESS}"),
    ("Lane 107, Sec. 1, Fuxing S. Rd.", ADDRESS),
    ("No.12, Aly. 3, Ln. 45, Sec. 2, Zhongshan N. Rd.", ADDRESS),
    ("send it to 12 Main Street please", f"send it to {ADDRESS} please"),
    ("No. 5, Minsheng E. Road, Songshan District", ADDRESS),
    # bank accounts
    ("帳號 012-345-678901", f"帳號 {BANK_ACCOUNT}"),
    ("郵局帳號0001234-1234567", f"郵局帳號{BANK_ACCOUNT}"),
    ("匯到 1234567890123 謝謝", f"匯到 {BANK_ACCOUNT} 謝謝"),
    ("account 00012345678901", f"account {BANK_ACCOUNT}"),
    ("帳戶：８０８１２３４５６７８９", f"帳戶：{BANK_ACCOUNT}"),
    # cards
    ("卡號 4111 1111 1111 1111", f"卡號 {CARD}"),
    ("4111-1111-1111-1111", CARD),
    ("信用卡4111111111111111到期", f"信用卡{CARD}到期"),
    ("Amex 3782 822463 10005", f"Amex {CARD}"),
    ("5500 0000 0000 0004 123", CARD),
    # several at once
    (
        "我是A123456789，手機0912345678，住臺北市大安區復興南路一段390號3樓",
        f"我是{ID_NUMBER}，手機{PHONE}，住{ADDRESS}",
    ),
]

NEGATIVE = [
    "請撥1999市民當家熱線",
    "1966長照專線",
    "長照2.0的服務有哪些",
    "我今年65歲",
    "2026年的補助",
    "補助NT$3,000",
    "每月3,000元",
    "緊急請打110或119",
    "113年度綜合所得稅",
    "2026-11-26 10:30 到 12:00",
    "2026/11/26",
    "捷運忠孝復興站1號出口",
    "搭5號公車",
    "復興南路一段上有家診所",
    "住在大安區",
    "在3樓辦理",
    "免付費專線 0800-507-272",
    "0800-000-123",
    "身心障礙手冊第3類",
    "版本 3.14159265358979",
    "COVID-19 疫苗第2劑",
    "iPhone 15 Pro",
    "網路申請",
    "the No. 1 priority",
    "Section 8 housing",
    "房租15000元",
    "a 1-2 person household with 3 kids",
    "郵遞區號106",
    "1999#8 轉分機",
    "IP 192.168.1.1",
    "A1 B2 C3",
    "路口的第二家",
    "長照 2.0 和 3.0",
    "民國113年12月3號開會",
    "每月1號發放",
    "忠孝東路4段的店",
    "市政大樓1樓服務台",
    "捷運板南線12號出口",
    "I'm 65 years old",
    "Room 301",
    "call 1999 ext. 8",
    "Article 5 Road Traffic Act",
]


@pytest.mark.parametrize("text, expected", POSITIVE)
def test_redacts_personal_data(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", NEGATIVE)
def test_keeps_ordinary_numbers(text: str) -> None:
    assert redact(text) == text


def test_empty_text_unchanged() -> None:
    assert redact("") == ""


def test_placeholders_survive_redaction() -> None:
    text = " ".join(PLACEHOLDERS)
    assert redact(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "1" * 50_000,
        "a" * 50_000,
        "09" * 25_000,
        "No. 1, " * 7_000,
        "大安區復興南路" * 7_000,
        "a@b." * 12_000,
        "1 Aaaa " * 7_000,
    ],
)
def test_long_adversarial_input_is_fast(text: str) -> None:
    started = time.perf_counter()
    redact(text)
    assert time.perf_counter() - started < 2.0


_RELEVANT = st.sampled_from(
    list("0123456789０９AaBbFfZz@.-+() #路街段巷弄號樓之區市里鄰之NoSecRd,") + ["\u3000", "分機"]
)
_MIXED = st.one_of(
    st.text(),
    st.lists(_RELEVANT, max_size=60).map("".join),
    st.lists(st.one_of(_RELEVANT, st.sampled_from([s for s, _ in POSITIVE])), max_size=8).map(
        "".join
    ),
)


@settings(max_examples=400, deadline=None)
@given(_MIXED)
def test_redact_is_total_and_idempotent(text: str) -> None:
    once = redact(text)
    assert isinstance(once, str)
    assert redact(once) == once


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([s for s, _ in POSITIVE]), min_size=1, max_size=4))
def test_concatenated_examples_leave_no_long_digit_runs(parts: list) -> None:
    redacted = redact("，".join(parts))
    digits = "".join(c if c.isdigit() else " " for c in redacted).split()
    assert all(len(run) < 7 for run in digits), redacted
