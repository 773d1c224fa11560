import re

from bot.i18n import STRINGS, t

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_string_exists_in_both_languages_with_the_same_placeholders() -> None:
    for key, variants in STRINGS.items():
        assert set(variants) == {"zh-TW", "en"}, key
        assert all(v.strip() for v in variants.values()), key
        assert set(PLACEHOLDER.findall(variants["zh-TW"])) == set(PLACEHOLDER.findall(variants["en"])), key


def test_unknown_language_falls_back_to_chinese() -> None:
    assert t("ok", "fr") == t("ok", "zh-TW")


def test_values_are_filled_in() -> None:
    assert "12" in t("data_deleted", "en", count=12)


def test_no_key_is_defined_twice() -> None:
    """A dict literal silently keeps the last of two equal keys; this once hid a reply."""
    import ast
    from pathlib import Path

    import bot.i18n

    tree = ast.parse(Path(bot.i18n.__file__).read_text(encoding="utf-8"))
    strings = next(
        n for n in ast.walk(tree) if isinstance(n, ast.AnnAssign) and getattr(n.target, "id", "") == "STRINGS"
    )
    keys = [k.value for k in strings.value.keys]
    assert sorted(k for k in set(keys) if keys.count(k) > 1) == []
