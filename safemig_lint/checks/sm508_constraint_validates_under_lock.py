from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp
from sqlglot.tokens import TokenType

from safemig_lint.analysis.digests import digest, holding
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Edit, Severity
from safemig_lint.operations import ops as o
from safemig_lint.reading.statements import Statement

if TYPE_CHECKING:
    from safemig_lint.operations.read import Names


class ConstraintValidatesUnderLock(Rule):
    code = "SM508"
    name = "constraint-validates-under-lock"
    severity = Severity.WARNING
    reads_ops = (o.AddConstraint,)
    summary = "Adding a FOREIGN KEY or CHECK constraint without NOT VALID checks every row while holding a lock that blocks writes."
    fixable = True

    def check_statement(self, statement: Statement, context: FileContext):
        locks = context.locks
        if not locks.postgres:
            return
        for op in locks.live_ops(statement, o.AddConstraint):
            constraint = op.constraint
            if constraint is None or op.not_valid or constraint.kind not in ("foreign", "check"):
                continue
            inline = op.in_added_column
            referenced = constraint.references.split("(")[0] or (op.table if constraint.kind == "check" else "the referenced table")
            both = op.table if referenced == op.table else f"{op.table} and {referenced}"
            if constraint.kind == "foreign":
                what = f"the foreign key {constraint.name or ''} from {op.table} to {referenced}".replace("  ", " ")
                lock = (
                    f"a SHARE ROW EXCLUSIVE lock on {both}"
                    if not inline
                    else f"an ACCESS EXCLUSIVE lock on {op.table} and a SHARE ROW EXCLUSIVE lock on {referenced}"
                )
            else:
                what = f"the CHECK constraint {constraint.name or ''} on {op.table}".replace("  ", " ")
                lock = f"an ACCESS EXCLUSIVE lock on {op.table}"
            if inline:
                help = (
                    "Add the column on its own, then the constraint with `ALTER TABLE ... ADD CONSTRAINT ... NOT VALID` "
                    "(no scan), and `ALTER TABLE ... VALIDATE CONSTRAINT ...` in a later migration file: "
                    "validating takes only a SHARE UPDATE EXCLUSIVE lock, which lets reads and writes go on."
                )
            else:
                help = (
                    "Add it with `NOT VALID` (existing rows are not checked, new ones are), and run "
                    "`ALTER TABLE ... VALIDATE CONSTRAINT ...` in a later migration file: validating takes only a "
                    "SHARE UPDATE EXCLUSIVE lock, which lets reads and writes go on. In the same file it would "
                    "run in the same transaction, still holding the first lock."
                )
            fix = _fix(statement, context, op) if not inline else ()
            if fix:
                help += " Fix: add NOT VALID and validate right after (each statement commits on its own here)."
            yield locks.finding(
                statement,
                op.table,
                f"adding {what} reads every row of {op.table} to validate it while holding {lock}: "
                f"{'reads and writes of ' + op.table if 'ACCESS' in lock else 'writes to ' + both} wait until it is done",
                help,
                op.at,
                fix,
            )


def _fix(statement: Statement, context: FileContext, op: o.AddConstraint) -> tuple[Edit, ...]:
    """NOT VALID, then VALIDATE CONSTRAINT as a statement of its own: safe only when the driver runs
    each statement on its own (x-multi-statement), so that validating holds only its own weak lock."""
    execution = context.execution
    if not execution.settings.multi_statement or execution.transaction_id(statement) is not None:
        return ()
    table = _altered_alone(statement)
    if table is None:
        return ()
    if not op.written_name:
        return ()
    return (Edit(statement.end, statement.end, f" NOT VALID;\nALTER TABLE {table} VALIDATE CONSTRAINT {op.written_name}"),)


def _one_named_constraint(statement: Statement, names: Names | None) -> bool:
    """An ALTER TABLE of one action holding a named constraint (the fix names it): writing the table's SQL for every
    ALTER TABLE cost ~50 us each (sqlglot's generator copies what it writes), 0.75 s of the 5 MB file's."""
    alter = statement.expression
    assert isinstance(alter, exp.Alter)  # selected by kinds
    actions = alter.args.get("actions") or []
    return len(actions) == 1 and any(isinstance(named.this, exp.Identifier) for named in actions[0].find_all(exp.Constraint))


_HOLDS_CONSTRAINT = holding(TokenType.CONSTRAINT)


def _taken(statement: Statement, names: Names) -> bool:
    """take_digests' test: sqlglot makes a named constraint (exp.Constraint) only after a CONSTRAINT token
    (Parser._parse_constraint), and testing the tokens first spares most ALTER TABLEs the search of their
    tree (~0.5% of the 5 MB file's CPU)."""
    return _HOLDS_CONSTRAINT(statement, names) and _one_named_constraint(statement, names)


@digest(
    kinds=(exp.Alter,), selects=_one_named_constraint, takes=_taken, serves=("SM508",), dialects=("postgres",), memo=False
)  # asked per finding
def _altered_alone(statement: Statement, names: Names | None) -> str | None:
    """The table (as SQL) of an ALTER TABLE of one action adding a named constraint, which a fix can split in two."""
    alter = statement.expression
    assert isinstance(alter, exp.Alter)  # selected by kinds
    return alter.this.sql(dialect="postgres")
