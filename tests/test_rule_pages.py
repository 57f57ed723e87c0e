"""Every rule has a page in rules/, and every page's bad example is flagged and its good one is not."""

from __future__ import annotations

import pytest
from conftest import codes, lint_example

from safemig_lint.checks import all_rules
from safemig_lint.rule_pages import load_page, pages_directory

# Raised by the engine when a check crashes; no SQL should trigger it (tested in test_engine.py).
NO_EXAMPLES = {"SM000"}
# About the file system (folders that cannot be listed, symlink loops, FIFOs): tested in test_paths.py.
NO_EXAMPLES.add("SM013")
# SM7xx are found by running the migrations (`verify`); tests/test_verify_rule_pages.py runs their examples.
VERIFY_FAMILY = "SM7"
REQUIRED_SECTIONS = ("What it flags", "Why it matters", "How to suppress")

RULES = list(all_rules())


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_page_matches_rule(rule):
    page = load_page(rule.code)
    assert page is not None, f"rules/{rule.code}.md is missing"
    assert (page.code, page.name) == (rule.code, rule.name)
    assert page.summary == rule.summary
    for heading in REQUIRED_SECTIONS:
        assert page.sections.get(heading, "").strip(), f"{rule.code}: section '{heading}' is empty"


def test_every_page_belongs_to_a_rule():
    known = {rule.code for rule in RULES}
    pages = {path.stem for path in pages_directory().glob("SM*.md")}
    assert pages == known


CHECKED = [r for r in RULES if r.code not in NO_EXAMPLES and not r.code.startswith(VERIFY_FAMILY)]


@pytest.mark.parametrize("rule", CHECKED, ids=lambda r: r.code)
def test_bad_example_is_flagged(rule, tmp_path):
    example = load_page(rule.code).bad
    assert example.files, f"{rule.code}: no Bad example"
    assert rule.code in codes(lint_example(example, tmp_path))


@pytest.mark.parametrize("rule", CHECKED, ids=lambda r: r.code)
def test_good_example_is_not_flagged(rule, tmp_path):
    example = load_page(rule.code).good
    assert example.files, f"{rule.code}: no Good example"
    assert rule.code not in codes(lint_example(example, tmp_path))
