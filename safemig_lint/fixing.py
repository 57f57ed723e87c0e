"""`check --fix` and `--diff`: apply the mechanical fixes checks attach to their findings.

A fix is a set of edits (diagnostics.Edit) into the text the checks read. The checks read the
file with its template placeholders and secrets masked, so a fix is applied only where that text
is the file's own: a statement holding a placeholder or a masked span is never fixed. Before a
file is changed, its fixed text is parsed again and every statement must mean what it meant
before apart from the added guard (`IF [NOT] EXISTS`); otherwise the file is left alone. Files
that may not change (locked by a `safemig.sum`, already applied, a symlink, read-only) are never
touched, and every write is atomic.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from safemig_lint.atomic import replace_file
from safemig_lint.config import Config
from safemig_lint.diagnostics import Diagnostic, Edit
from safemig_lint.engine import LintResult

BOM = "\ufeff"
# None when the file may be changed, else why it may not.
MayChange = Callable[[Path], "str | None"]


@dataclass
class FileFix:
    path: Path
    display: str
    before: str
    after: str
    fixed: list[Diagnostic]


@dataclass
class FixPlan:
    files: list[FileFix] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (display path, why)

    @property
    def fixed_count(self) -> int:
        return sum(len(f.fixed) for f in self.files)


def fixable_files(result: LintResult, may_change: MayChange) -> dict[str, str | None]:
    """{display path: None when --fix may change the file, else why not} of every file with a fixable finding."""
    return {path: may_change(Path(path)) for path in dict.fromkeys(d.path for d in result.active if d.fix)}


def plan_fixes(
    result: LintResult, config_for: Callable[[Path], Config], may_change: MayChange, texts: Mapping[str, str] | None = None
) -> FixPlan:
    """What --fix would change: per file, the fixed text and the findings it resolves. `config_for(folder)`:
    the folder's settings; `texts`: a file's text by display path, instead of reading it (an editor's unsaved buffer)."""
    plan = FixPlan()
    by_path: dict[str, list[Diagnostic]] = {}
    for diagnostic in result.active:
        if diagnostic.fix:
            by_path.setdefault(diagnostic.path, []).append(diagnostic)
    for display, diagnostics in sorted(by_path.items()):
        path = Path(display)
        reason = may_change(path)
        if reason is None:
            reason = _plan_file(plan, path, display, diagnostics, config_for(path.parent), (texts or {}).get(display))
        if reason is not None:
            plan.skipped.append((display, reason))
    return plan


def _plan_file(plan: FixPlan, path: Path, display: str, diagnostics: list[Diagnostic], config: Config, text: str | None) -> str | None:
    try:
        raw = path.read_bytes().decode("utf-8") if text is None else text
    except (OSError, UnicodeDecodeError) as error:
        return f"cannot read it: {error}"
    bom = BOM if raw.startswith(BOM) else ""
    before = raw[len(bom) :]
    masked = _masked_statements(raw, config)
    newline = _line_ending(before)
    accepted: list[Edit] = []
    fixed: list[Diagnostic] = []
    for diagnostic in sorted(diagnostics, key=lambda d: d.sort_key):
        where = f"{diagnostic.code} at line {diagnostic.span.line}"
        if any(start <= edit.start <= end for edit in diagnostic.fix for start, end in masked):
            # The checks read a stand-in there: a fix built from it would write the stand-in into the file.
            plan.skipped.append((display, f"{where}: its statement holds a template placeholder or a masked value; fix it by hand"))
            continue
        # Offsets are into the text without its BOM; an inserted line ends as the file's lines do.
        edits = [replace(edit, replacement=edit.replacement.replace("\n", newline)) for edit in diagnostic.fix]
        edits = [edit for edit in edits if edit not in accepted]  # the same guard for `DROP TABLE a, b`
        if any(_overlap(edit, other) for edit in edits for other in accepted) or _overlapping(edits):
            plan.skipped.append((display, f"{where}: its fix overlaps another fix"))
            continue
        accepted.extend(edits)
        fixed.append(diagnostic)
    if not fixed:
        return None
    after = _apply(before, accepted)
    problem = _changes_meaning(before, after, config.dialect)
    if problem is not None:
        return problem
    if after != before:
        plan.files.append(FileFix(path, display, bom + before, bom + after, fixed))
    return None


def _masked_statements(raw: str, config: Config) -> list[tuple[int, int]]:
    """(start, end) offsets, in the text without its BOM, of the statements the checks did not read as
    written: those holding a template placeholder (read as a stand-in) or a masked secret (engine.parse_bytes)."""
    from safemig_lint.cache import masks_of
    from safemig_lint.engine import parse_bytes

    parsed = parse_bytes(raw.encode("utf-8"), config)
    own = raw.removeprefix(BOM)
    if len(parsed.text) != len(own):
        return [(0, len(own))]
    regions = [(p.start, p.end) for p in parsed.placeholders]
    regions += masks_of(own, parsed.text)
    return [(s.start, s.end) for s in parsed.statements if any(start < s.end and s.start < end for start, end in regions)]


def _line_ending(text: str) -> str:
    """The file's line break: CRLF, a lone CR (old Mac files) or LF."""
    if "\r\n" in text:
        return "\r\n"
    return "\r" if "\r" in text and "\n" not in text else "\n"


def _overlap(a: Edit, b: Edit) -> bool:
    """Two different edits touch the same text, or insert at the same place (their order would be a guess)."""
    if a == b:
        return False
    if a.start == a.end and b.start == b.end:
        return a.start == b.start
    if a.start == a.end:
        return b.start < a.start < b.end
    if b.start == b.end:
        return a.start < b.start < a.end
    return a.start < b.end and b.start < a.end


def _overlapping(edits: list[Edit]) -> bool:
    return any(_overlap(a, b) for index, a in enumerate(edits) for b in edits[index + 1 :])


def _apply(text: str, edits: list[Edit]) -> str:
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        text = text[: edit.start] + edit.replacement + text[edit.end :]
    return text


def _changes_meaning(before: str, after: str, dialect: str) -> str | None:
    """Why the fixed text is not the same migration plus guards, or None when it is.

    What a fix may do: add `IF [NOT] EXISTS`, and add `NOT VALID` to a constraint when the
    very next statement, added with it, validates that constraint (the same end state, with
    the rows checked under a weaker lock).
    """
    from safemig_lint.reading.statements import parse_file

    old, new = parse_file(before, dialect), parse_file(after, dialect)
    added = [now for now in new.statements if _validates(now)]
    kept = (
        [now for now in new.statements if not any(now is a for a in added)] if len(new.statements) > len(old.statements) else new.statements
    )
    if len(old.statements) != len(kept):
        return "the fixed file would split into different statements; left unchanged"
    for was, now in zip(old.statements, kept):
        if was.text == now.text:
            continue
        line = new.lines.span(now.start, now.end).line
        # `error` is the database's own grammar where there is one (PostgreSQL's parser, SQLite's).
        if now.error is not None and was.error is None:
            return f"the fixed statement at line {line} would not parse ({now.error}); left unchanged"
        if type(was.expression) is not type(now.expression):
            return f"the fixed statement at line {line} would read differently; left unchanged"
        if was.expression is not None and not was.is_command and _without_guards(was.expression) != _without_guards(now.expression):
            return f"the fixed statement at line {line} would mean something else; left unchanged"
        if now.expression is not None and now.expression.args.get("not_valid") and not _validated_next(now, new.statements):
            return f"the fixed statement at line {line} would leave a constraint unvalidated; left unchanged"
    return None


_VALIDATE = re.compile(r"^ALTER\s+TABLE\s+(\S+)\s+VALIDATE\s+CONSTRAINT\s+(\S+)$", re.IGNORECASE)


def _validates(statement) -> bool:
    return _VALIDATE.match(statement.text.strip()) is not None


def _validated_next(statement, statements: list) -> bool:
    """The statement right after `statement` validates the constraint it adds NOT VALID."""
    from sqlglot import exp

    following = statements[statements.index(statement) + 1 :]
    match = _VALIDATE.match(following[0].text.strip()) if following else None
    names = {c.this.name for c in statement.expression.find_all(exp.Constraint) if isinstance(c.this, exp.Identifier)}
    return match is not None and match.group(2).strip('"') in names


def _without_guards(tree):
    copy = tree.copy()
    for node in copy.walk():
        node.args.pop("exists", None)
        node.args.pop("not_valid", None)
    return copy


def apply_fixes(plan: FixPlan) -> list[tuple[FileFix, str]]:
    """Write every planned file; the ones that could not be written, with why (they are unchanged)."""
    failed = []
    for file in plan.files:
        try:
            replace_file(file.path, file.after.encode("utf-8"))
        except OSError as error:
            failed.append((file, error.strerror or str(error)))
    return failed


def unified_diff(file: FileFix) -> str:
    """The fix as a unified diff, for a terminal: the file's name and lines escaped (escaping.py)."""
    from safemig_lint.escaping import one_line, printable

    name = one_line(file.display)
    return printable(
        "".join(
            difflib.unified_diff(
                file.before.removeprefix(BOM).splitlines(keepends=True),
                file.after.removeprefix(BOM).splitlines(keepends=True),
                # `git apply` style for relative paths; an absolute path stays as it is.
                fromfile=name if name.startswith("/") else f"a/{name}",
                tofile=name if name.startswith("/") else f"b/{name}",
            )
        )
    )


def describe(file: FileFix) -> str:
    """`path: fixed SM301 (line 3), SM302 (line 7)`."""
    items = ", ".join(f"{d.code} (line {d.span.line})" for d in file.fixed)
    return f"{file.display}: fixed {items}"


def locked_by_sum_file(path: Path) -> str | None:
    """A migration listed in the `safemig.sum` beside it is locked: its checksum must not change.

    A sum file that cannot be read, or reads wrong, locks its whole folder: better no fix than
    one to a file that may be locked.
    """
    from safemig_lint.integrity.sumfile import SUM_FILE, read

    try:
        sums = read(path.resolve().parent)
    except OSError:
        return f"the {SUM_FILE} beside it cannot be read; not changed"
    if sums is None:
        return None
    if path.name in sums.entries:
        return f"locked by {SUM_FILE}; not changed"
    if sums.problems:
        return f"the {SUM_FILE} beside it has problems (run `safemig-lint check`); not changed"
    return None


def writable(path: Path) -> str | None:
    """A symlink would become a regular file (the link lost), and a read-only file says it is not to be
    edited (a rename over it needs only the folder's permission): both are refused."""
    if path.is_symlink():
        return f"it is a symlink (to {os.readlink(path)}); fix the file it points to; not changed"
    try:
        mode = path.stat().st_mode
    except OSError as error:
        return f"cannot read it: {error.strerror or error}"
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK):
        return "it is read-only; make it writable to fix it; not changed"
    return None


def committed_in_head() -> MayChange:
    """Files git has in HEAD exactly as they are on disk are applied somewhere (merged, deployed, or at
    least shared): fixing them would change an applied migration. Asked once per folder (`git ls-tree`);
    a file is compared by its blob id, computed here, or by `git hash-object` (which applies the
    repository's filters, e.g. autocrlf) when that differs."""
    by_folder: dict[Path, dict[str, str]] = {}

    def head_blobs(folder: Path) -> dict[str, str]:
        if folder not in by_folder:
            by_folder[folder] = _head_blobs(folder)
        return by_folder[folder]

    def may_change(path: Path) -> str | None:
        folder = path.resolve().parent
        blob = head_blobs(folder).get(path.name)
        if blob is not None and (blob == _blob_id(path) or blob == _git(folder, "hash-object", "--", path.name).strip()):
            return "committed unchanged in HEAD, so already applied somewhere (--fix-applied fixes it anyway); not changed"
        return None

    return may_change


def _blob_id(path: Path) -> str:
    import hashlib

    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _head_blobs(folder: Path) -> dict[str, str]:
    """{file name: blob id} of the folder's files in HEAD; empty outside git or before the first commit."""
    blobs = {}
    for record in _git(folder, "ls-tree", "-z", "HEAD", "--", ".").split("\0"):
        meta, _, name = record.partition("\t")
        if meta.count(" ") == 2 and meta.split()[1] == "blob" and "/" not in name:
            blobs[name] = meta.split()[2]
    return blobs


def _git(folder: Path, *args: str) -> str:
    try:
        completed = subprocess.run(
            ["git", "--no-optional-locks", "--literal-pathspecs", *args], cwd=folder, capture_output=True, stdin=subprocess.DEVNULL
        )
    except OSError:  # no git: nothing is known to be applied
        return ""
    return completed.stdout.decode("utf-8", "surrogateescape") if completed.returncode == 0 else ""


def applied_at(paths: list[str], excludes: list[str], ref: str) -> MayChange:
    """Files that already exist at git `ref` (as `check --base REF` sees it) are applied somewhere."""
    from safemig_lint.integrity.git import snapshots
    from safemig_lint.reading.discovery import discover

    at_base = {directory.resolve(): snapshot for directory, snapshot in snapshots(discover(paths, excludes).directories, ref).items()}

    def may_change(path: Path) -> str | None:
        snapshot = at_base.get(path.resolve().parent)
        if snapshot is not None and path.name in snapshot.at_fork:
            return f"already in {ref}, so already applied; not changed"
        return None

    return may_change


def all_of(*predicates: MayChange) -> MayChange:
    """A file may change only if every predicate allows it; the first refusal says why."""

    def may_change(path: Path) -> str | None:
        return next((reason for predicate in predicates if (reason := predicate(path)) is not None), None)

    return may_change
