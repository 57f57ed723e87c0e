"""Read the rule pages (rules/SMxxx.md): the text behind `safemig-lint rule`, SARIF help and the example tests.

A page looks like:

    # SM101 drop-table
    <one-line summary>
    ## What it flags / ## Why it matters / ## How to suppress ...
    ## Bad        (```sql blocks, each a migration file; a ```toml block is the configuration)
    ## Good

A ```sql block whose first line is `-- file: NAME` is written to that file name;
otherwise it is `000001_example.up.sql`. Any other block but ```toml is a file too
(```text for a lock file safemig.sum, ```json for a baseline, ```make or ```yaml for the files that run
golang-migrate), named with `-- file: NAME`, `# file: NAME` or `// file: NAME`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from safemig_lint.values import value

_HEADING = re.compile(r"^## +(.+?)\s*$", re.MULTILINE)
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_FILE_LINE = re.compile(r"^(?:--|#|//) file: *(\S+)\s*\n")
DEFAULT_EXAMPLE_FILE = "000001_example.up.sql"


@value(unsafe_hash=True)
class Example:
    files: dict[str, str]  # file name -> SQL
    config: str  # TOML, possibly empty


@value(unsafe_hash=True)
class RulePage:
    code: str
    name: str
    summary: str
    markdown: str
    sections: dict[str, str]  # heading -> body

    def example(self, heading: str) -> Example:
        files: dict[str, str] = {}
        config = ""
        for language, body in _FENCE.findall(self.sections.get(heading, "")):
            if language == "toml":
                config += body
                continue
            match = _FILE_LINE.match(body)
            name = match.group(1) if match else DEFAULT_EXAMPLE_FILE
            files[name] = body[match.end() :] if match else body
        return Example(files, config)

    @property
    def bad(self) -> Example:
        return self.example("Bad")

    @property
    def good(self) -> Example:
        return self.example("Good")

    def section_text(self, *headings: str) -> str:
        return "\n\n".join(self.sections[h].strip() for h in headings if h in self.sections)


def pages_directory() -> Path:
    """Pages ship in the wheel as safemig_lint/rule_pages/; in a source checkout they are rules/."""
    packaged = Path(__file__).with_name("rule_pages")
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "rules"


def parse_page(markdown: str) -> RulePage:
    title, _, rest = markdown.partition("\n")
    match = re.match(r"^# +(SM\d+) +([a-z0-9-]+)\s*$", title)
    if not match:
        raise ValueError(f"rule page must start with '# SMxxx rule-name', got {title!r}")
    parts = _HEADING.split(rest)
    summary = parts[0].strip()
    sections = {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}
    return RulePage(match.group(1), match.group(2), summary, markdown, sections)


@cache
def load_page(code: str) -> RulePage | None:
    path = pages_directory() / f"{code}.md"
    if not path.is_file():
        return None
    return parse_page(path.read_text(encoding="utf-8"))
