"""HTML to text and summaries: what imported answers look like."""

from bot.search.text import first_sentences, strip_html


def test_tags_go_entities_decode_and_blocks_break_lines() -> None:
    html = "<p>第一段&amp;說明</p><div>第二段<br/>第三行</div><table><tr><td>A</td><td>B</td></tr></table>"
    assert strip_html(html) == "第一段&說明\n第二段\n第三行\nA B"


def test_scripts_styles_and_comments_are_dropped() -> None:
    html = "<script>alert('x')</script><style>p{}</style><!-- hidden -->看得到的字"
    assert strip_html(html) == "看得到的字"


def test_broken_html_still_gives_text() -> None:
    assert strip_html("<p>未關閉 <b>粗體 <a href='x'>連結") == "未關閉 粗體 連結"
    assert strip_html("") == ""


def test_summaries_are_whole_leading_sentences() -> None:
    text = "第一句話。第二句話！" + "很長的第三句" * 40 + "。"
    assert first_sentences(text) == "第一句話。第二句話！"
    assert first_sentences("Short one. Another one.", 12) == "Short one."
    long = "沒有標點的一長串文字" * 30
    assert first_sentences(long, 50).endswith("…") and len(first_sentences(long, 50)) == 50
