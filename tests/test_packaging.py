"""A plain (non-editable) install must still explain every rule: the pages ship in the wheel."""

from __future__ import annotations

import zipfile

import pytest
from conftest import REPO
from hatchling.builders.wheel import WheelBuilder


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    return next(iter(WheelBuilder(str(REPO)).build(directory=str(tmp_path_factory.mktemp("wheel")), versions=["standard"])))


def test_wheel_ships_rule_pages_and_console_script(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    pages = sorted(path.name for path in (REPO / "rules").glob("SM*.md"))
    assert pages  # and test_rule_pages checks there is one per rule
    for page in pages:
        assert f"safemig_lint/rule_pages/{page}" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "safemig-lint = safemig_lint.launcher:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    assert not [n for n in names if n.startswith(("tests/", "fixtures/"))]


def test_license_matches_pyproject_and_ships_in_wheel_and_sdist(wheel, tmp_path):
    import tarfile

    from hatchling.builders.sdist import SdistBuilder

    from safemig_lint.config import _read_toml  # the tool's own TOML reading (tomllib, or tomli on 3.10)

    assert _read_toml(REPO / "pyproject.toml")["project"]["license"] == "MIT"
    assert (REPO / "LICENSE").read_text().startswith("MIT License")
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in zipfile.ZipFile(wheel).namelist())
    sdist = next(iter(SdistBuilder(str(REPO)).build(directory=str(tmp_path), versions=["standard"])))
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    for shipped in ("/LICENSE", "/action.yml", "/scripts/action.sh"):  # the action's tests run from an sdist too
        assert any(n.endswith(shipped) for n in names), shipped


def test_readme_recipes_refer_to_this_versions_release_tag():
    """The pre-commit `rev:`, pip installs and `uses:` name the tag this version is released as."""
    import re

    from safemig_lint import __version__

    readme = (REPO / "README.md").read_text()
    ours = re.findall(r"safemig-lint(?:\.git)?@(v[\w.]+)|rev: (\S+)", readme)
    tags = {tag for pair in ours for tag in pair if tag}
    assert tags == {f"v{__version__}"}
    assert "not on PyPI yet" in readme and "pip install /path/to/safemig-lint" in readme
