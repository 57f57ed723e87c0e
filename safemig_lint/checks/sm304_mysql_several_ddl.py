from safemig_lint.analysis.execution import commits_implicitly
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Finding, Severity


class MysqlSeveralDdl(Rule):
    code = "SM304"
    name = "mysql-several-ddl"
    severity = Severity.INFO
    summary = "A MySQL migration with several DDL statements is left half-applied and dirty when one fails."

    def check_file(self, context: FileContext):
        if context.execution.driver_family != "mysql":
            return
        ddl = [s for s in context.parsed.statements if commits_implicitly(s)]
        if len(ddl) < 2:
            return
        second = ddl[1]  # from here on, a failure leaves what came before applied
        yield Finding(
            context.span(second.start, second.end),
            f"this file runs {len(ddl)} DDL statements and MySQL commits each one on its own: if one fails, those "
            f"before it stay applied and golang-migrate marks version {context.migration.version} dirty",
            "Give each DDL statement a migration of its own, or make every statement re-runnable (IF [NOT] EXISTS), "
            "so that after `migrate force` a re-run completes.",
            second.normalized_text,
        )
