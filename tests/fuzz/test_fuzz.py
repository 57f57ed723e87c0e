"""A short, seeded fuzzing run (harness.py); set SAFEMIG_FUZZ_EXAMPLES for a long, random one."""

from __future__ import annotations

import os

from harness import Case, cases, check_case
from hypothesis import HealthCheck, given, settings
from test_sarif import schema_errors

LONG_RUN = "SAFEMIG_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("SAFEMIG_FUZZ_EXAMPLES", "20"))


@settings(
    max_examples=EXAMPLES,
    derandomize=not LONG_RUN,  # the suite's run is the same every time
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
@given(cases())
def test_every_command_and_format_keeps_its_promises(case: Case):
    check_case(case, schema_errors)
