"""Traditional Chinese segmentation, and entity annotations that fall on token boundaries."""

from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import userdict

PROJECT = Path(__file__).resolve().parents[2]
DICTIONARIES = PROJECT / "data" / "dictionaries"


@pytest.fixture(scope="module")
def tokenizer():
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    from bot.nlu.tokenizer import TaiwanJiebaTokenizer

    config = {**TaiwanJiebaTokenizer.get_default_config(), "dictionary_path": str(DICTIONARIES)}
    storage = LocalModelStorage(PROJECT / ".pytest_cache" / "tokenizer")
    return TaiwanJiebaTokenizer.create(config, storage, Resource("tok"), ExecutionContext(None))


def words(tokenizer, text: str):
    return [t.text for t in tokenizer.tokenize(Message(data={"text": text}), "text")]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("身分證掉了要去戶政事務所補辦嗎", ["身分證", "掉", "了", "要", "去", "戶政事務所", "補辦", "嗎"]),
        ("我媽媽要申請長照2.0", ["我", "媽媽", "要", "申請", "長照2.0"]),
        ("垃圾車幾點會到信義區", ["垃圾車", "幾點", "會", "到", "信義區"]),
        ("how do I apply for 育兒津貼", ["how", "do", "I", "apply", "for", "育兒津貼"]),
    ],
)
def test_segments_taiwanese_public_service_terms(tokenizer, text, expected) -> None:
    assert words(tokenizer, text) == expected


def test_every_entity_annotation_falls_on_token_boundaries(tokenizer) -> None:
    misaligned = []
    for example in load_data(str(PROJECT / "data" / "nlu")).entity_examples:
        tokens = tokenizer.tokenize(example, "text")
        starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
        for entity in example.get("entities"):
            if entity["start"] not in starts or entity["end"] not in ends:
                misaligned.append((example.get("text"), entity["value"]))
    assert misaligned == [], "run `coserve nlu userdict` or fix the annotation"


def test_the_generated_dictionary_is_up_to_date() -> None:
    current = (DICTIONARIES / "nlu_terms.txt").read_text(encoding="utf-8")
    assert current == userdict.render(PROJECT / "data" / "nlu"), "run `coserve nlu userdict`"
