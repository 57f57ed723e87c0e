"""Code actions: the fixes `check --fix` would apply (a quick fix per finding, and every safe
fix of a file at once), and a suppression comment for a finding, its reason left to write.

Fixes are planned as --fix plans them (fixing.plan_fixes), on the buffer's text: overlapping
fixes are refused, the fixed text must still be the same statements apart from their guards,
and a file its safemig.sum locks is never changed. A suppression is offered only where the
comment, once inserted, silences that finding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lsprotocol import types as lsp

from safemig_lint.diagnostics import Diagnostic, Edit
from safemig_lint.server.convert import overlaps, text_edits
from safemig_lint.server.session import Linted

FIX_ALL = f"{lsp.CodeActionKind.SourceFixAll.value}.safemig-lint"
REASON = "<why this is safe>"


def code_actions(
    linted: Linted,
    requested: lsp.Range,
    only: Sequence[str] | None,
    dialect: str,
    as_lsp: Callable[[Diagnostic], lsp.Diagnostic],
    document_changes: bool,
    show_refused: bool,
) -> list[lsp.CodeAction]:
    """The actions for the findings in `requested`, and the file's fix-all. `show_refused`: the
    client greys out an action with its reason, so a fix --fix would refuse is shown, disabled."""
    here = [d for d in linted.found if overlaps(linted.text.range(d.span), requested)]
    actions = []
    if _wanted(lsp.CodeActionKind.QuickFix.value, only):
        for found in here:
            planned = _fix(linted, [found], dialect) if found.fix else None
            title = f"Fix {found.code} ({found.name})"
            if isinstance(planned, str) and show_refused:
                actions.append(lsp.CodeAction(title, kind=lsp.CodeActionKind.QuickFix, disabled=lsp.CodeActionDisabled(planned)))
            elif isinstance(planned, tuple):
                edits, _ = planned
                actions.append(_action(title, lsp.CodeActionKind.QuickFix, linted, edits, [as_lsp(found)], document_changes, True))
        for found in here:
            insertion = _suppression(linted, found, dialect)
            if insertion is not None:
                where = "in this file" if found.span.is_empty else "here"
                title = f"Suppress {found.code} {where} (write the reason)"
                actions.append(_action(title, lsp.CodeActionKind.QuickFix, linted, [insertion], [as_lsp(found)], document_changes))
    fixable = [d for d in linted.found if d.fix]
    if fixable and _wanted(FIX_ALL, only):
        planned = _fix(linted, fixable, dialect)
        if isinstance(planned, tuple):
            edits, fixed = planned
            title = f"Fix all safe safemig-lint findings in this file ({len(fixed)})"
            actions.append(_action(title, FIX_ALL, linted, edits, [as_lsp(d) for d in fixed], document_changes))
    return actions


def _wanted(kind: str, only: Sequence[str] | None) -> bool:
    """The client asked for this kind: `only` names kinds or their prefixes (`source` takes `source.fixAll.x`)."""
    return not only or any(kind == asked or kind.startswith(f"{asked}.") for asked in only)


def _fix(linted: Linted, diagnostics: list[Diagnostic], dialect: str) -> tuple[list[Edit], list[Diagnostic]] | str:
    """The edits --fix would make for these findings of the file and the findings they fix, or why it would not."""
    from safemig_lint.engine import LintResult
    from safemig_lint.fixing import locked_by_sum_file, plan_fixes

    display = diagnostics[0].path
    plan = plan_fixes(LintResult(diagnostics, 1, []), lambda _: dialect, locked_by_sum_file, {display: linted.text.source})
    if not plan.files:
        return next((why for _, why in plan.skipped), "the fix changes nothing")
    fixed = plan.files[0].fixed
    return list(dict.fromkeys(edit for d in fixed for edit in d.fix)), fixed


def _suppression(linted: Linted, found: Diagnostic, dialect: str) -> Edit | None:
    """A `-- safemig-lint: ignore CODE <reason>` line above the finding's statement (`ignore-file`
    at the top for a finding about the whole file), if it would silence the finding there."""
    from safemig_lint.reading.statements import parse_file
    from safemig_lint.reading.suppressions import find_suppressions

    text = linted.text.engine_text
    parsed = parse_file(text, dialect)
    if parsed.unreadable is not None:
        return None
    newline = "\r\n" if "\r\n" in text else "\n"
    if found.span.is_empty:
        position, comment = 0, f"-- safemig-lint: ignore-file {found.code} {REASON}{newline}"
    else:
        offset = linted.text.engine_offset(found.span.line, found.span.column)
        statement = next((s for s in parsed.statements if s.start <= offset <= s.end), None)
        position = text.rfind("\n", 0, statement.start if statement else offset) + 1
        first = text[position:].split("\n", 1)[0]
        indent = first[: len(first) - len(first.lstrip(" \t"))]
        comment = f"{indent}-- safemig-lint: ignore {found.code} {REASON}{newline}"
    after = parse_file(text[:position] + comment + text[position:], dialect)
    moved = found.span.line + 1  # the comment is a line of its own above the finding
    if not any(s.covers(found.code, moved) for s in find_suppressions(after)):
        return None
    return Edit(position, position, comment)


def _action(
    title: str,
    kind: str,
    linted: Linted,
    edits: list[Edit],
    diagnostics: list[lsp.Diagnostic],
    document_changes: bool,
    preferred: bool = False,
) -> lsp.CodeAction:
    buffer = linted.buffer
    changes = text_edits(linted.text, edits)
    if document_changes:
        identifier = lsp.OptionalVersionedTextDocumentIdentifier(uri=buffer.uri, version=buffer.version)
        edit = lsp.WorkspaceEdit(document_changes=[lsp.TextDocumentEdit(text_document=identifier, edits=changes)])
    else:
        edit = lsp.WorkspaceEdit(changes={buffer.uri: changes})
    return lsp.CodeAction(title=title, kind=kind, diagnostics=diagnostics, edit=edit, is_preferred=preferred or None)
