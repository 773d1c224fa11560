"""docs/extending.md, followed step by step on a copy of the project.

Every code block tagged ``file=PATH`` is written to that path and every ``merge=domain.yml``
block is merged into the domain; then Rasa validates the data and the guide's own test runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parent.parent
GUIDE = PROJECT / "docs" / "extending.md"
BLOCK = re.compile(r"```\w+ (file|merge)=(\S+)\n(.*?)```", re.S)
COPIED = [
    "domain.yml",
    "config.yml",
    "credentials.yml",
    "endpoints.yml",
    "coserve.yml",
    "pyproject.toml",
    "alembic",
    "alembic.ini",
    "data",
    "bot",
    "knowledge_base",
    "tests/conftest.py",
    "tests/followup_support.py",
    "tests/actions/conftest.py",
    "tests/data",
]


def merge(base: dict, extra: dict) -> dict:
    for key, value in extra.items():
        if isinstance(value, list):
            base[key] = list(base.get(key) or []) + value
        elif isinstance(value, dict):
            base[key] = {**(base.get(key) or {}), **value}
        else:
            base[key] = value
    return base


def copy_project(target: Path) -> None:
    for name in COPIED:
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def follow_guide(target: Path) -> list:
    applied = []
    for kind, path, body in BLOCK.findall(GUIDE.read_text(encoding="utf-8")):
        destination = target / path
        if kind == "file":
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(body, encoding="utf-8")
        else:
            merged = merge(yaml.safe_load(destination.read_text(encoding="utf-8")), yaml.safe_load(body))
            destination.write_text(yaml.safe_dump(merged, allow_unicode=True, sort_keys=False), encoding="utf-8")
        applied.append(path)
    init = target / "bot" / "actions" / "__init__.py"
    init.write_text(
        init.read_text(encoding="utf-8")
        + "\nfrom bot.actions.hotline import ActionCheckOfficeHours  # noqa: E402,F401\n",
        encoding="utf-8",
    )
    return applied


def run(args: list, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd), "COSERVE_PSEUDONYM_KEY": "guide-test"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_the_extending_guide_works_as_written(tmp_path: Path) -> None:
    copy_project(tmp_path)
    applied = follow_guide(tmp_path)
    assert applied == [
        "data/nlu/zh-TW/hotline.yml",
        "data/nlu/en/hotline.yml",
        "domain.yml",
        "data/rules/hotline.yml",
        "bot/actions/hotline.py",
        "tests/actions/test_hotline.py",
    ]
    rasa = str(Path(sys.executable).parent / "rasa")
    validated = run([rasa, "data", "validate", "--fail-on-warnings"], tmp_path)
    assert validated.returncode == 0, validated.stdout[-3000:] + validated.stderr[-3000:]
    tested = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/actions/test_hotline.py"], tmp_path
    )
    assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr[-3000:]
    assert "1 passed" in tested.stdout
