from pathlib import Path

import pytest

from bot.search.kb import KnowledgeBaseError, load_directory, load_file

PROJECT = Path(__file__).resolve().parents[2]
GOOD = """
domain: waste_recycling
entries:
  - id: waste-demo
    title: {zh-TW: 垃圾車時間, en: Garbage truck times}
    summary: {zh-TW: 查詢垃圾車到點時間。, en: Find when the truck comes.}
    agency: {zh-TW: 臺北市政府環境保護局, en: Department of Environmental Protection}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_starter_knowledge_base_is_valid_and_big_enough() -> None:
    entries = load_directory(PROJECT / "knowledge_base")
    assert len(entries) >= 150
    assert len({e.domain for e in entries}) >= 12
    for entry in entries:
        assert entry.title.en and entry.summary.en, f"{entry.id} lacks English"


def test_a_minimal_entry_gets_defaults(tmp_path: Path) -> None:
    (entry,) = load_file(write(tmp_path, "a.yml", GOOD))
    assert entry.domain == "waste_recycling"
    assert entry.audiences == ["general"] and entry.areas == ["taipei"]
    assert entry.summary.get("en") == "Find when the truck comes."


def test_english_falls_back_to_chinese_when_missing(tmp_path: Path) -> None:
    (entry,) = load_file(write(tmp_path, "a.yml", GOOD.replace(", en: Garbage truck times", "")))
    assert entry.title.get("en") == "垃圾車時間"


@pytest.mark.parametrize(
    "change, message",
    [
        (("    summary: {zh-TW: 查詢垃圾車到點時間。, en: Find when the truck comes.}\n", ""), "summary"),
        (("id: waste-demo", "id: Waste Demo!"), "id must be"),
        (("domain: waste_recycling", "domain: space_travel"), "unknown service_area"),
        (("    agency:", "    audiences: [aliens]\n    agency:"), "unknown audience"),
        (("    agency:", "    areas: [taipei/atlantis]\n    agency:"), "unknown district"),
        (("    agency:", "    channels: [pigeon]\n    agency:"), "unknown channel"),
        (("    agency:", "    url: ftp://x\n    agency:"), "url must start"),
        (("    agency:", "    colour: blue\n    agency:"), "extra fields not permitted"),
    ],
)
def test_bad_entries_are_refused_naming_file_and_entry(tmp_path: Path, change, message: str) -> None:
    path = write(tmp_path, "bad.yml", GOOD.replace(*change))
    with pytest.raises(KnowledgeBaseError) as error:
        load_file(path)
    assert "bad.yml" in str(error.value) and message in str(error.value)
    assert "entry #1" in str(error.value)


def test_invalid_yaml_is_reported_with_the_file(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="broken.yml: invalid YAML"):
        load_file(write(tmp_path, "broken.yml", "entries: [ {id: x\n"))


def test_a_file_without_entries_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="list 'entries'"):
        load_file(write(tmp_path, "empty.yml", "domain: tax\n"))


def test_duplicate_ids_across_files_name_both_files(tmp_path: Path) -> None:
    write(tmp_path, "one.yml", GOOD)
    write(tmp_path, "two.yml", GOOD)
    with pytest.raises(KnowledgeBaseError, match="duplicate id 'waste-demo'.*one.yml.*two.yml"):
        load_directory(tmp_path)


def test_an_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="no knowledge-base files"):
        load_directory(tmp_path)


def test_content_hash_changes_with_content_only(tmp_path: Path) -> None:
    (a,) = load_file(write(tmp_path, "a.yml", GOOD))
    (b,) = load_file(write(tmp_path, "b.yml", GOOD))
    (c,) = load_file(write(tmp_path, "c.yml", GOOD.replace("查詢", "請查詢")))
    assert a.content_hash() == b.content_hash() != c.content_hash()


def test_duplicate_ids_in_one_file_are_refused(tmp_path: Path) -> None:
    entry = GOOD.split("entries:\n", 1)[1]
    write(tmp_path, "twice.yml", GOOD + entry)
    with pytest.raises(KnowledgeBaseError, match="duplicate id 'waste-demo'.*twice.yml.*twice.yml"):
        load_directory(tmp_path)


@pytest.mark.parametrize("text", ["- just\n- a list\n", "", "domain: tax\nentries: [1, 2]\n"])
def test_files_of_the_wrong_shape_are_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(KnowledgeBaseError, match="shape.yml"):
        load_file(write(tmp_path, "shape.yml", text))
