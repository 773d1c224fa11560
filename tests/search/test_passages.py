"""What gets embedded per entry: imported answers once, hand-written bodies in chunks."""

from bot.search.importers import faq_entry
from bot.search.kb import KBEntry
from bot.search.passages import MAX_CHUNKS, opens_with, passages_for
from bot.search.taipei_faq import FaqRecord

LONG_ANSWER = "。".join(f"第{i}點：申請人應檢附身分證明文件及相關資料，至各區公所辦理" for i in range(30)) + "。"


def record(answer: str) -> FaqRecord:
    return FaqRecord(1, "GIP_1", "臺北市政府社會局", "a/b/c", "如何申請？", answer, [], "1999", "", True)


def entry(summary: str, body: str) -> KBEntry:
    return KBEntry(
        id="test-entry",
        domain="social_assistance",
        title={"zh-TW": "測試"},
        summary={"zh-TW": summary},
        body={"zh-TW": body},
        agency={"zh-TW": "社會局"},
    )


def test_opens_with_ignores_whitespace_and_a_cut_summary() -> None:
    assert opens_with("第一句。\n第二句。", "第一句。 第二句。")
    assert opens_with("一二三四五六七八九十", "一二三四五…")
    assert not opens_with("第一句。第二句。", "另一句。")
    assert not opens_with("任何內容", "")


def test_an_imported_long_answer_is_embedded_once_as_title_and_summary() -> None:
    passages = passages_for(faq_entry(record(LONG_ANSWER)))
    assert [p.field for p in passages] == ["title_zh"]
    assert passages[0].text.startswith("如何申請？：第0點")


def test_a_hand_written_body_is_chunked_up_to_the_cap() -> None:
    passages = passages_for(entry("申請社會救助的方式與資格。", LONG_ANSWER))
    bodies = [p for p in passages if p.field == "body_zh"]
    assert len(bodies) == MAX_CHUNKS
    assert all(p.text.startswith("測試：") for p in bodies)


def test_a_body_that_only_repeats_the_summary_is_not_embedded_again() -> None:
    passages = passages_for(entry("只有一句話的答案。", "只有一句話的答案。"))
    assert [p.field for p in passages] == ["title_zh"]
