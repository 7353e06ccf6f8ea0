"""Every sentence of the training area is used, exists in English and Russian with the same
placeholders, and every `training.*` key the code uses exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from packstation.screens.trainees import COLUMNS
from packstation.texts import training as area
from packstation.training.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[2] / "packstation"
SOURCES = [
    ROOT / "training/coach.py",
    ROOT / "models/training_repo.py",
    ROOT / "screens/training_app.py",
    ROOT / "screens/trainees.py",
    ROOT / "widgets/training.py",
    ROOT / "cli/training_cmd.py",
    ROOT / "screens/queue_format.py",  # the stations table's training column
]


def test_every_training_sentence_is_used_and_translated() -> None:
    used = {
        node.value
        for path in SOURCES
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"training\.[a-z_.]+[a-z]", node.value)
        and node.value not in ("training.tcss", "training.scored")  # a file, an event kind
    }
    used |= {f"training.lesson.{lesson.id}" for lesson in LESSONS}
    used |= {f"training.intro.{lesson.id}" for lesson in LESSONS}
    used |= {f"training.col.{column}" for column in COLUMNS}
    assert sorted(used - set(area.TEXTS)) == []
    assert sorted(set(area.TEXTS) - used) == []
    names = re.compile(r"{(\w+)}")
    for key, entry in area.TEXTS.items():
        assert entry["en"].strip() and entry["ru"].strip(), key
        assert set(names.findall(entry["en"])) == set(names.findall(entry["ru"])), key
