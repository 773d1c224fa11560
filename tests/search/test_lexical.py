"""The BM25 index: terms for Chinese and English, scores, persistence."""

from pathlib import Path

import numpy as np

from bot.search.lexical import LexicalIndex, terms


def test_chinese_is_cut_into_characters_and_bigrams_latin_into_words() -> None:
    assert terms("牌照稅") == ["牌", "照", "稅", "牌照", "照稅"]
    assert terms("ＡＰＰ download 2.0 版") == ["版", "app", "download", "2.0"]


def test_the_document_with_the_rare_term_wins() -> None:
    index = LexicalIndex.build(["使用牌照稅每年四月繳納", "房屋稅每年五月繳納", "垃圾車每天晚上來"])
    scores = index.scores("牌照稅什麼時候繳")
    assert int(np.argmax(scores)) == 0 and scores[2] == 0
    assert not index.scores("😀").any() and not index.scores("").any()


def test_an_empty_index_scores_nothing() -> None:
    assert LexicalIndex.build([]).scores("稅").shape == (0,)


def test_round_trip(tmp_path: Path) -> None:
    index = LexicalIndex.build(["房屋稅", "地價稅 land value tax"])
    index.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path)
    assert np.allclose(loaded.scores("land tax"), index.scores("land tax"))
