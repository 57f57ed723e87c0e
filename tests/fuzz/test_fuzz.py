"""A short, seeded fuzzing run (harness.py, classes.py); set SAFEMIG_FUZZ_EXAMPLES for a long,
random one (that many cases for each test here: README "Fuzzing")."""

from __future__ import annotations

import os

import classes
from harness import Case, cases, check_case
from hypothesis import HealthCheck, given, settings
from test_sarif import schema_errors

LONG_RUN = "SAFEMIG_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("SAFEMIG_FUZZ_EXAMPLES", "20"))
# The suite runs each class generator briefly (about a second each); the long run as many as asked.
CLASS_EXAMPLES = EXAMPLES if LONG_RUN else 6

fuzz = settings(
    max_examples=EXAMPLES,
    derandomize=not LONG_RUN,  # the suite's run is the same every time
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
fuzz_class = settings(fuzz, max_examples=CLASS_EXAMPLES)


@fuzz
@given(cases())
def test_every_command_and_format_keeps_its_promises(case: Case):
    check_case(case, schema_errors)


@fuzz_class
@given(classes.statement_cases())
def test_odd_statements_are_no_internal_error(case):
    classes.check_statements(case)


@fuzz_class
@given(classes.setting_cases())
def test_configuration_values_are_a_run_or_a_configuration_error(case):
    classes.check_settings(case)


@fuzz_class
@given(classes.read_back_cases())
def test_files_read_back_never_block_nor_crash(case):
    classes.check_read_back(case)


@fuzz_class
@given(classes.cache_cases())
def test_a_poisoned_cache_gives_the_output_of_no_cache(case):
    classes.check_cache(case)


@fuzz_class
@given(classes.secret_cases())
def test_a_planted_secret_is_in_no_output_cache_sum_file_or_baseline(case):
    classes.check_secrets(case)


@fuzz_class
@given(classes.control_cases())
def test_control_bytes_are_escaped_and_forge_no_line(case):
    classes.check_controls(case)


def teardown_module():
    if LONG_RUN:
        print("\nslowest case per class (s):", {kind: round(took, 2) for kind, took in sorted(classes.slowest.items())})
        print("timed runs per class:", dict(sorted(classes.cases_run.items())))
