"""`coserve kb …` end to end, as a person runs it."""

from pathlib import Path

from bot.cli import main

TEST_KB = Path(__file__).resolve().parents[1] / "data" / "kb"


def test_build_then_rebuild_reuses_every_passage(tmp_path: Path, capsys, settings) -> None:
    index = tmp_path / "index"
    assert main(["kb", "build", "--kb", str(TEST_KB), "--index", str(index), "--quiet"]) == 0
    first = capsys.readouterr().out
    assert "6 entries" in first and "reused 0" in first and (index / "manifest.json").exists()
    assert main(["kb", "build", "--kb", str(TEST_KB), "--index", str(index), "--quiet"]) == 0
    assert "embedded 0" in capsys.readouterr().out


def test_a_broken_knowledge_base_fails_with_the_file_named(tmp_path: Path, capsys) -> None:
    (tmp_path / "bad.yml").write_text("domain: tax\nentries:\n  - id: x\n", encoding="utf-8")
    assert main(["kb", "validate", "--kb", str(tmp_path)]) == 2
    assert "bad.yml: entry #1" in capsys.readouterr().err
    assert main(["kb", "build", "--kb", str(tmp_path), "--index", str(tmp_path / "i"), "--quiet"]) == 2
    assert not (tmp_path / "i").exists()


DATA = Path(__file__).resolve().parent / "data"
ADDED = """
domain: tax
entries:
  - id: tax-demo-amusement
    title: {zh-TW: 娛樂稅申報, en: Amusement tax}
    summary:
      zh-TW: 經營娛樂業者每月十日前申報繳納娛樂稅。
      en: Entertainment businesses file amusement tax by the 10th of each month.
    agency: {zh-TW: 臺北市稅捐稽徵處}
"""


def test_import_writes_a_loadable_file_or_nothing(tmp_path: Path, capsys) -> None:
    out = tmp_path / "kb" / "faq.yml"
    assert (
        main(["kb", "import", str(DATA / "faq-sample.xml"), "--format", "taipei-faq", "--out", str(out)]) == 0
    )
    printed = capsys.readouterr().out
    assert "3 entries written" in printed and "1 skipped" in printed
    assert main(["kb", "validate", "--kb", str(out.parent)]) == 0
    before = out.read_bytes()
    broken = tmp_path / "broken.xml"
    broken.write_text(
        (DATA / "faq-sample.xml").read_text(encoding="utf-8").replace("<data_id>GIP_1004</data_id>", ""),
        encoding="utf-8",
    )
    assert main(["kb", "import", str(broken), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert "broken.xml:4:" in error and "nothing was imported" in error
    assert out.read_bytes() == before  # the earlier file is untouched
    assert sorted(p.name for p in out.parent.iterdir()) == ["faq.yml"]


def test_import_tables_with_mapping_and_clear_errors(tmp_path: Path, capsys) -> None:
    out = tmp_path / "tax.yml"
    assert main(["kb", "import", str(DATA / "services.jsonl"), "--domain", "tax", "--out", str(out)]) == 0
    assert "2 entries written" in capsys.readouterr().out
    assert main(["kb", "import", str(tmp_path / "missing.csv"), "--out", str(out)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["kb", "import", str(DATA / "services.jsonl"), "--out", str(tmp_path / "x.yml")]) == 2
    assert "services.jsonl:2" in capsys.readouterr().err  # no domain and no --domain
    assert not (tmp_path / "x.yml").exists()
    assert main(["kb", "import", str(DATA / "services.csv"), "--map", "oops", "--out", str(out)]) == 2
    assert "SOURCE=FIELD" in capsys.readouterr().err


def test_add_update_and_delete_single_entries(tmp_path: Path, capsys) -> None:
    index = tmp_path / "index"
    assert main(["kb", "build", "--kb", str(TEST_KB), "--index", str(index), "--quiet"]) == 0
    capsys.readouterr()
    new = tmp_path / "new.yml"
    new.write_text(ADDED, encoding="utf-8")
    assert main(["kb", "add", str(new), "--index", str(index)]) == 0
    assert "added 1 entry" in capsys.readouterr().out
    assert main(["kb", "add", str(new), "--index", str(index)]) == 2
    assert "already in the index" in capsys.readouterr().err
    new.write_text(ADDED.replace("每月十日前", "每月十五日前"), encoding="utf-8")
    assert main(["kb", "update", str(new), "--index", str(index)]) == 0
    assert "embedded 1 passages" in capsys.readouterr().out  # only the changed summary passage
    assert main(["kb", "delete", "tax-demo-amusement", "--index", str(index)]) == 0
    assert "6 entries" in capsys.readouterr().out
    assert main(["kb", "delete", "tax-demo-amusement", "--index", str(index)]) == 2
    assert "no entries with id" in capsys.readouterr().err
    assert main(["kb", "update", str(new), "--index", str(index)]) == 2
    assert "use `coserve kb add`" in capsys.readouterr().err
    assert main(["kb", "delete", "x", "--index", str(tmp_path / "nowhere")]) == 2
    assert "coserve kb build" in capsys.readouterr().err
    assert main(["kb", "add", str(new), "--index", str(index), "--embedder", "use"]) == 2
    assert "run `coserve kb build`" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index", "new.yml"]  # no temp dirs left


def test_adding_a_broken_file_changes_nothing(tmp_path: Path, capsys) -> None:
    index = tmp_path / "index"
    assert main(["kb", "build", "--kb", str(TEST_KB), "--index", str(index), "--quiet"]) == 0
    manifest = (index / "manifest.json").read_bytes()
    bad = tmp_path / "bad.yml"
    bad.write_text("domain: tax\nentries: [ {id: x\n", encoding="utf-8")
    assert main(["kb", "add", str(bad), "--index", str(index)]) == 2
    assert "bad.yml: invalid YAML" in capsys.readouterr().err
    bad.write_text("domain: tax\nentries:\n  - id: tax-x\n    title: {zh-TW: 稅}\n", encoding="utf-8")
    assert main(["kb", "add", str(bad), "--index", str(index)]) == 2
    assert "entry #1 (id 'tax-x')" in capsys.readouterr().err
    assert (index / "manifest.json").read_bytes() == manifest
