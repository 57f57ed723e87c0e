"""A plain (non-editable) install must still explain every rule: the pages ship in the wheel."""

from __future__ import annotations

import zipfile

from hatchling.builders.wheel import WheelBuilder

from conftest import REPO


def test_wheel_ships_rule_pages_and_console_script(tmp_path):
    wheel = next(iter(WheelBuilder(str(REPO)).build(directory=str(tmp_path), versions=["standard"])))
    names = zipfile.ZipFile(wheel).namelist()
    pages = sorted(path.name for path in (REPO / "rules").glob("SM*.md"))
    assert pages  # and test_rule_pages checks there is one per rule
    for page in pages:
        assert f"safemig_lint/rule_pages/{page}" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "safemig-lint = safemig_lint.launcher:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    assert not [n for n in names if n.startswith(("tests/", "fixtures/"))]
