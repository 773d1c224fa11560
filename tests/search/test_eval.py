"""`coserve kb eval`: the contract other tools call (flags, JSON keys, errors)."""

import json
from pathlib import Path
from typing import List

import pytest

from bot.cli import main

DOCS = [
    {
        "id": "D1",
        "title": "臺北市政府環境保護局",
        "text": "大型廢棄家具請先電話預約，清潔隊會到府收運。",
        "category": "env",
    },
    {
        "id": "D2",
        "title": "臺北市稅捐稽徵處",
        "text": "使用牌照稅每年四月開徵，可在超商或線上繳納。",
        "category": "tax",
        "extra": 1,
    },
    {
        "id": "D3",
        "title": "臺北市政府衛生局",
        "text": "公費流感疫苗每年十月開打，長者與幼兒優先。",
        "category": "health",
    },
]
QUERIES = [
    {"query": "舊沙發怎麼丟", "expected": "D1"},
    {"query": "When do I pay the vehicle licence tax?", "expected_all": ["D2"]},
    {"query": "流感疫苗哪裡打", "expected_all": ["D3", "D1"]},
]


def write(path: Path, rows: List[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_json_output_has_exactly_the_contract_keys(tmp_path: Path, capsys) -> None:
    docs, queries = write(tmp_path / "d.jsonl", DOCS), write(tmp_path / "q.jsonl", QUERIES)
    assert main(["kb", "eval", "--docs", str(docs), "--queries", str(queries), "--json", "--quiet"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {
        "recall@1",
        "recall@5",
        "recall@10",
        "mrr@10",
        "category_acc",
        "n",
        "p50_ms",
        "p95_ms",
    }
    assert result["n"] == 3 and result["recall@5"] == pytest.approx(1.0)
    assert result["recall@1"] == pytest.approx(
        (1 + 1 + 0.5) / 3, abs=1e-4
    )  # expected_all: share of ids found
    assert result["category_acc"] == pytest.approx(1.0) and result["p95_ms"] >= result["p50_ms"] > 0


def test_text_output_and_custom_k(tmp_path: Path, capsys) -> None:
    docs = write(tmp_path / "d.jsonl", [{k: v for k, v in d.items() if k != "category"} for d in DOCS])
    queries = write(tmp_path / "q.jsonl", QUERIES)
    assert (
        main(["kb", "eval", "--docs", str(docs), "--queries", str(queries), "--k", "1", "2", "--quiet"]) == 0
    )
    out = capsys.readouterr().out
    assert "Recall@1" in out and "Recall@2" in out and "MRR@10" in out and "category" not in out
    assert "p95" in out and "n          3 questions" in out


@pytest.mark.parametrize(
    "docs_text, queries_text, message",
    [
        (
            '{"id": "D1", "text": "x"}\n{"title": "no id"}\n',
            '{"query": "q", "expected": "D1"}\n',
            "d.jsonl:2: missing 'id'",
        ),
        (
            '{"id": "D1", "text": "x"}\n{"id": "D1", "text": "y"}\n',
            '{"query": "q", "expected": "D1"}\n',
            "d.jsonl:2: duplicate id",
        ),
        (
            '{"id": "D1", "text": "x"}\n',
            '{"query": "q", "expected": "D1"}\n{oops\n',
            "q.jsonl:2: invalid JSON",
        ),
        ('{"id": "D1", "text": "x"}\n', '{"query": "q"}\n', "q.jsonl:1: needs 'expected_all'"),
        (
            '{"id": "D1", "text": "x"}\n',
            '{"query": "q", "expected": "D9"}\n',
            "q.jsonl:1: expected id(s) ['D9']",
        ),
        ('{"id": "D1", "text": "x"}\n', '\n{"expected": "D1"}\n', "q.jsonl:2: missing 'query'"),
        ("", '{"query": "q", "expected": "D1"}\n', "d.jsonl: no lines"),
        ("[1, 2]\n", '{"query": "q", "expected": "D1"}\n', "d.jsonl:1: expected a JSON object"),
    ],
)
def test_bad_lines_are_named(tmp_path: Path, capsys, docs_text: str, queries_text: str, message: str) -> None:
    (tmp_path / "d.jsonl").write_text(docs_text, encoding="utf-8")
    (tmp_path / "q.jsonl").write_text(queries_text, encoding="utf-8")
    code = main(
        ["kb", "eval", "--docs", str(tmp_path / "d.jsonl"), "--queries", str(tmp_path / "q.jsonl"), "--quiet"]
    )
    assert code == 2 and message in capsys.readouterr().err


def test_missing_files_are_named(tmp_path: Path, capsys) -> None:
    assert (
        main(["kb", "eval", "--docs", str(tmp_path / "nope.jsonl"), "--queries", str(tmp_path / "q.jsonl")])
        == 2
    )
    assert "nope.jsonl: no such file" in capsys.readouterr().err
