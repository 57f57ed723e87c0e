from safemig_lint.checks.base import FILE_SPAN, DirectoryContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Related, Severity


class MissingDown(Rule):
    code = "SM004"
    name = "missing-down"
    severity = Severity.WARNING
    summary = "An up migration has no down file, so it cannot be rolled back."

    def check_directory(self, context: DirectoryContext):
        directory = context.directory
        missing = [
            m.up
            for m in directory.migrations
            if m.up is not None and not m.downs and (m.version, "down") not in directory.excluded and context.reports_on(m.up.path)
        ]
        missing = [up for up in missing if not _nothing_to_undo(context, up)]
        if not missing:
            return
        ups = sum(1 for m in directory.migrations if m.ups)
        downs = _versions_with_downs(context)
        if ups > 1 and downs * 10 < ups:
            # No version of the folder has a down file (or hardly any: a habit given up long ago): the
            # project does not roll back with golang-migrate. One decision for the reviewer, so one finding,
            # for information, on the first up file reported (the first of the folder, when it is linted whole).
            first = missing[0]
            have = f"only {downs} of the folder's {ups} versions have" if downs else f"none of the folder's {ups} versions has"
            finding = Finding(
                FILE_SPAN,
                f"{have} a down file: `migrate down` cannot undo the others, and applies empty migrations instead",
                'If the project never rolls back with golang-migrate, turn the rule off with `ignore = ["SM004"]` '
                "in its configuration; otherwise add a down file beside each up file, starting with the newest.",
                first.path.name,
                severity=Severity.INFO,
                related=tuple(Related(up.display_path, FILE_SPAN, f"version {up.version} has no down file either") for up in missing[1:]),
            )
            yield FileFinding(first.path, first.display_path, finding)
            return
        for up in missing:
            suggestion = up.path.name.replace(".up.", ".down.", 1)
            finding = Finding(
                FILE_SPAN,
                f"version {up.version} has no down migration; `migrate down` cannot undo it",
                f"Add {suggestion} that reverses this file; if it truly cannot be undone, "
                "say why with `-- safemig-lint: ignore-file SM004 <reason>`.",
                up.path.name,
            )
            yield FileFinding(up.path, up.display_path, finding)


def _versions_with_downs(context: DirectoryContext) -> int:
    """How many versions of the folder have a down file (an `exclude` that hides one counts as having it)."""
    directory = context.directory
    return sum(1 for m in directory.migrations if m.downs or (m.version, "down") in directory.excluded)


def _nothing_to_undo(context: DirectoryContext, up) -> bool:
    """golang-migrate runs a missing down file as an empty one: right for an up that changes
    nothing (only comments, or only validates constraints)."""
    facts = context.facts.get(up.path)
    return facts is not None and facts.nothing_to_undo
