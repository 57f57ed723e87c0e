from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.reading.statements import Statement


class MysqlFulltextOrSpatialIndex(Rule):
    code = "SM522"
    name = "mysql-fulltext-or-spatial-index"
    severity = Severity.WARNING
    reads_ops = (o.AddConstraint, o.CreateIndex)
    summary = "Adding a FULLTEXT or SPATIAL index in MySQL blocks writes to the table while it is built (the first FULLTEXT index also rebuilds the table)."
    dialects = frozenset({"mysql"})

    def check_statement(self, statement: Statement, context: FileContext):
        locks = context.locks
        for op in locks.live_ops(statement, o.AddConstraint, o.CreateIndex):
            if op.index_kind not in ("fulltext", "spatial"):
                continue
            kind = op.index_kind.upper()
            extra = (
                " A table's first FULLTEXT index also rebuilds the whole table (it adds the FTS_DOC_ID column)."
                if kind == "FULLTEXT"
                else ""
            )
            yield locks.finding(
                statement,
                op.table,
                f"adding a {kind} index on {op.table} runs with LOCK=SHARED: inserts, updates and deletes on "
                f"{op.table} wait until the index is built.{extra}",
                "Create the index when the table is created, or build it with an online schema change tool "
                "(gh-ost, pt-online-schema-change) on a large table.",
                op.at,
            )
