"""`--format markdown` fits GitHub's limits and lists suppressed findings."""

from __future__ import annotations

import io
import re

from conftest import FIXTURES, write_migrations

from safemig_lint.config import Config
from safemig_lint.engine import lint
from safemig_lint.reporters import markdown, rule_url


def _many_findings(tmp_path, count: int):
    files = {}
    for n in range(1, count + 1):
        files[f"{n:06d}_t{n}.up.sql"] = f"DROP TABLE legacy_{n};\n"
        files[f"{n:06d}_t{n}.down.sql"] = "SELECT 1;\n"
    return lint([str(write_migrations(tmp_path / "m", files))], Config(select=("SM101",)))


def test_a_long_report_is_cut_below_the_comment_limit_with_an_and_n_more_line(tmp_path):
    result = _many_findings(tmp_path, 400)
    stream = io.StringIO()
    markdown.report(result, stream, limit=20_000)
    text = stream.getvalue()
    assert len(text) <= 20_000
    shown = len(re.findall(r"^\| \d+:\d+ \|", text, re.M))
    (more,) = re.findall(
        r"^… and (\d+) more findings were cut \(in `[^`]+`, .* and \d+ more files\) to fit GitHub's 20,000-character limit", text, re.M
    )
    assert 0 < shown < 400 and shown + int(more) == len(result.active) == 400
    assert text.count("### `") == shown  # no heading left without its rows
    # The table per rule comes first and is never cut.
    assert text.split("\n### ", 1)[0].endswith(
        "| Rule | Findings |\n| --- | ---: |\n| [SM101 drop-table](" + rule_url("SM101") + ") | 400 |\n"
    )


def test_the_default_limit_is_githubs_comment_limit(tmp_path):
    result = _many_findings(tmp_path, 400)
    stream = io.StringIO()
    markdown.report(result, stream)
    assert len(stream.getvalue()) <= 65_536 == markdown.MAX_CHARACTERS
    small = io.StringIO()
    markdown.report(lint([str(FIXTURES / "app")], Config()), small)
    assert "were cut" not in small.getvalue()


def test_suppressed_findings_are_listed_with_their_reason():
    stream = io.StringIO()
    markdown.report(lint([str(FIXTURES / "app")], Config()), stream)
    text = stream.getvalue()
    suppressed = text.split("### Suppressed\n\n", 1)[1]
    assert suppressed.startswith("| Where | Rule | Reason |\n")
    assert "000006_reset_demo_data.up.sql:2` | [SM104 truncate](" in suppressed
    assert "| the demo tenant is re-seeded by the next migration |" in suppressed
