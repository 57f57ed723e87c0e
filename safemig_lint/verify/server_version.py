"""Failures that come from the verify server being newer than the history, not from the history.

A history written for PostgreSQL 11 may use what PostgreSQL 12 removed (`WITH OIDS`, `abstime`),
and then fails on the embedded PostgreSQL 18 although it ran, and runs, where it was written for.
Each entry below is a removal from PostgreSQL's release notes with the error the newer server
gives (checked against PostgreSQL 18). Such a failure is put down to the server version when the
configured `postgres-version` is older than the removal, or not set; with a `postgres-version` at
or past the removal, the file fails where it runs too, and it is the file's failure.
"""

from __future__ import annotations

import re

from safemig_lint.values import value


@value(unsafe_hash=True)
class Removal:
    version: int  # the first major version without it
    what: str
    sqlstate: str
    message: re.Pattern[str]


def _removal(version: int, what: str, sqlstate: str, message: str) -> Removal:
    return Removal(version, what, sqlstate, re.compile(message))


# Configuration parameters PostgreSQL 10 and later removed, and the version that removed each.
_PARAMETERS = {
    "sql_inheritance": 10,
    "min_parallel_relation_size": 10,
    "replacement_sort_tuples": 11,
    "wal_keep_segments": 13,
    "operator_precedence_warning": 14,
    "stats_temp_directory": 15,
    "vacuum_defer_cleanup_age": 16,
    "force_parallel_mode": 16,
    "promote_trigger_file": 16,
    "old_snapshot_threshold": 17,
    "db_user_namespace": 17,
    "trace_recovery_messages": 17,
}

# System catalog columns removed, as migrations that inspect the catalog name them.
_CATALOG_COLUMNS = {"relhaspkey": 11, "proisagg": 11, "proiswindow": 11, "relhasoids": 12, "adsrc": 12, "consrc": 12}

REMOVALS = [
    _removal(10, "UNENCRYPTED PASSWORD", "0A000", r"^UNENCRYPTED PASSWORD is no longer supported"),
    _removal(
        10,
        "the xlog functions (renamed to wal)",
        "42883",
        r"^function pg_(current_xlog\w*|last_xlog\w*|is_xlog\w*|xlog\w*|switch_xlog|xlogfile\w*)\(",
    ),
    _removal(12, "WITH OIDS", "42601", r'^syntax error at or near "OIDS"'),
    _removal(12, "WITH OIDS", "0A000", r"^tables declared WITH OIDS are not supported"),
    _removal(12, "the abstime, reltime and tinterval types", "42704", r'^type "(abstime|reltime|tinterval)" does not exist'),
    _removal(13, "CREATE EXTENSION ... FROM unpackaged", "0A000", r"^CREATE EXTENSION \.\.\. FROM is no longer supported"),
    # PostgreSQL 14 moved these to anycompatible: an aggregate or function declared on anyarray/anyelement no longer finds them.
    _removal(
        14,
        "the anyarray/anyelement signatures of array_append, array_prepend and array_cat",
        "42883",
        r"^function (array_append|array_prepend|array_cat|array_remove|array_replace|array_position|array_positions)\(any(array|element)",
    ),
    _removal(14, "postfix operators", "42P13", r"^operator right argument type must be specified"),
    _removal(14, "the !! and ! factorial operators", "42883", r"^operator does not exist: !! "),
    _removal(15, "the exclusive backup functions", "42883", r"^function pg_(start|stop)_backup\("),
    *(
        _removal(version, f"the configuration parameter {name}", "42704", rf'^unrecognized configuration parameter "{name}"')
        for name, version in _PARAMETERS.items()
    ),
    *(
        _removal(version, f"the system catalog column {name}", "42703", rf'^column "?(\w+\.)?{name}"? does not exist')
        for name, version in _CATALOG_COLUMNS.items()
    ),
]


def removal_for(sqlstate: str, message: str) -> Removal | None:
    return next((r for r in REMOVALS if r.sqlstate == sqlstate and r.message.search(message)), None)


def incompatibility(error, configured: int | None, server: int | None) -> str | None:
    """Why `error` (an ApplyError) is the server version's doing rather than the file's, or None."""
    removal = removal_for(error.sqlstate, error.message)
    if removal is None or server is None or server < removal.version:
        return None
    if configured is not None and configured >= removal.version:
        return None  # the history targets a version without it: the file fails in production too
    target = (
        f"postgres-version is {configured}"
        if configured is not None
        else f"postgres-version is not set: if production runs PostgreSQL {removal.version - 1} or older, set it"
    )
    return (
        f"it uses {removal.what}, which PostgreSQL {removal.version} removed, and the verify server is PostgreSQL {server} "
        f"({target}): an incompatibility of the server version with a history written for an older one"
    )
