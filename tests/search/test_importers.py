"""Importing agency exports: field mapping, safe HTML, all-or-nothing with line numbers."""

from pathlib import Path

import pytest

from bot.search.importers import ImportFailed, import_table, import_taipei_faq
from bot.search.kb import load_directory
from bot.search.kb_files import write_kb_file
from bot.search.taipei_faq import FaqFormatError, read_faq

DATA = Path(__file__).resolve().parent / "data"
REAL_FAQ = Path(__file__).resolve().parents[3] / "shared" / "data" / "taipei-faq" / "taipei-city-faq.xml"


def test_faq_records_keep_their_source_line_and_lose_their_html() -> None:
    records = read_faq(DATA / "faq-sample.xml")
    assert [r.data_id for r in records] == ["GIP_1001", "GIP_1002", "GIP_1003", "GIP_1004", "GIP_1005"]
    assert [r.line for r in records] == [1, 2, 3, 4, 5]
    first = records[0]
    assert first.answer.splitlines()[0] == "年滿65歲且設籍本市的長者，可申請全民健康保險保險費補助。"
    assert "<" not in first.answer and "alert" not in first.answer and "&nbsp;" not in first.answer
    assert first.bureau == "379120000J" and records[3].bureau == ""


def test_faq_import_maps_every_field() -> None:
    report = import_taipei_faq(DATA / "faq-sample.xml")
    by_id = {e.id: e for e in report.entries}
    assert sorted(by_id) == [
        "tpe-faq-gip_1001",
        "tpe-faq-gip_1002",
        "tpe-faq-gip_1004",
    ]  # public, with answers
    elder = by_id["tpe-faq-gip_1001"]
    assert elder.domain == "elderly_care"  # section name beats the bureau (社會局 -> social_assistance)
    assert elder.title.zh == "老人健保費補助如何申請？"
    assert elder.summary.zh.startswith("年滿65歲且設籍本市的長者，可申請全民健康保險保險費補助。")
    assert len(elder.summary.zh) <= 160
    assert elder.body and "不需另外申請" in elder.body.zh
    assert elder.agency.zh == "臺北市政府社會局老人福利科"
    assert elder.tags == ["健保費", "老人", "補助"] and elder.contact == "1999"
    assert str(elder.last_reviewed) == "2016-03-01"
    assert by_id["tpe-faq-gip_1002"].domain == "waste_recycling"
    assert by_id["tpe-faq-gip_1002"].tags == ["大型垃圾", "家具"]
    assert by_id["tpe-faq-gip_1004"].domain == "public_safety"  # no bureau code: the fallback
    assert by_id["tpe-faq-gip_1004"].contact is None
    assert report.skipped and "GIP_1005" in report.skipped[0] and ":5:" in report.skipped[0]


def test_private_records_only_on_request() -> None:
    ids = {e.id for e in import_taipei_faq(DATA / "faq-sample.xml", include_private=True).entries}
    assert "tpe-faq-gip_1003" in ids


def test_broken_faq_records_are_all_reported_and_nothing_is_kept(tmp_path: Path) -> None:
    text = (DATA / "faq-sample.xml").read_text(encoding="utf-8")
    text = text.replace("<data_id>GIP_1002</data_id>", "<data_id></data_id>")
    text = text.replace("<news_title>消費爭議如何申訴？</news_title>", "<news_title></news_title>")
    broken = tmp_path / "broken.xml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFailed) as error:
        import_taipei_faq(broken)
    assert len(error.value.problems) == 2
    assert "broken.xml:2:" in error.value.problems[0] and "no data_id" in error.value.problems[0]
    assert "broken.xml:4:" in error.value.problems[1] and "news_title" in error.value.problems[1]


def test_malformed_xml_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<xmlmessage><datas>\n<data><data_id>x</data_id>\n</datas>", encoding="utf-8")
    with pytest.raises(FaqFormatError, match="bad.xml:3: not well-formed"):
        read_faq(bad)


def test_entity_declarations_are_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        "<xmlmessage><datas><data><news_title>&b;</news_title></data></datas></xmlmessage>"
    )
    with pytest.raises(FaqFormatError, match="entity declarations"):
        read_faq(bomb)


def test_the_written_file_is_a_knowledge_base(tmp_path: Path) -> None:
    report = import_taipei_faq(DATA / "faq-sample.xml")
    write_kb_file(report.entries, tmp_path / "kb" / "taipei-faq.yml")
    loaded = load_directory(tmp_path / "kb")
    assert [e.content_hash() for e in loaded] == [e.content_hash() for e in report.entries]
    assert [p.name for p in (tmp_path / "kb").iterdir()] == ["taipei-faq.yml"]  # no temp files left


def test_csv_rows_map_columns_and_lists() -> None:
    first, second = import_table(DATA / "services.csv").entries
    assert first.id == "tax-demo-license" and first.title.en == "Vehicle licence tax"
    assert first.tags == ["牌照稅", "汽車", "機車"]
    assert first.example_questions.zh == ["牌照稅什麼時候繳", "機車要繳牌照稅嗎"]
    assert first.body and "\n" in first.body.zh
    assert second.audiences == ["elderly", "children"] and second.body is None


def test_jsonl_accepts_nested_or_flat_values_and_fills_defaults() -> None:
    house, land = import_table(DATA / "services.jsonl", default_domain="tax").entries
    assert house.title.en == "House tax" and house.agency.zh == "臺北市稅捐稽徵處"
    assert land.domain == "tax" and land.tags == ["地價稅", "土地"]
    assert land.summary.zh == "地價稅每年十一月開徵。依公告地價計算。"  # from the body when missing


def test_column_mapping_renames_source_columns(tmp_path: Path) -> None:
    source = tmp_path / "agency.csv"
    source.write_text("編號,問題,答案\nfaq-1,停車費怎麼繳,可在超商繳納停車費。\n", encoding="utf-8")
    (entry,) = import_table(
        source, {"編號": "id", "問題": "title", "答案": "body"}, "transport", "交通局"
    ).entries
    assert entry.title.zh == "停車費怎麼繳" and entry.summary.zh == "可在超商繳納停車費。"
    with pytest.raises(ImportFailed, match="unknown column"):
        import_table(source)


def test_table_errors_name_each_line(tmp_path: Path) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text(
        '{"id": "ok-1", "domain": "tax", "title": "a", "summary": "b", "agency": "c"}\n'
        '{"id": "Bad Id", "domain": "tax", "title": "a", "summary": "b", "agency": "c"}\n'
        "\n"
        "{not json\n"
        '{"id": "ok-1", "domain": "tax", "title": "a", "summary": "b", "agency": "c"}\n'
        '{"id": "no-summary", "domain": "tax", "title": "a", "agency": "c"}\n',
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed) as error:
        import_table(source)
    problems = error.value.problems
    assert [p.split(":")[1] for p in problems] == ["2", "4", "5", "6"]
    assert "id must be" in problems[0] and "invalid JSON" in problems[1]
    assert "duplicate id 'ok-1' (first on line 1)" in problems[2] and "summary" in problems[3]


@pytest.mark.skipif(
    not REAL_FAQ.exists(), reason="the Taipei FAQ export (shared/data/taipei-faq) is not on this machine"
)
def test_the_real_taipei_export_imports_whole(tmp_path: Path) -> None:
    report = import_taipei_faq(REAL_FAQ)
    assert len(report.entries) == 1780 and len(report.skipped) == 2  # 1,782 public, 2 without answer
    write_kb_file(report.entries, tmp_path / "taipei.yml")
    assert len(load_directory(tmp_path)) == 1780
