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
