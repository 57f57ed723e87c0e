#!/usr/bin/env bash
# The shell logic of the GitHub Action (action.yml), kept here so that it can be run and tested
# outside a runner.
#
#   action.sh install   install safemig-lint from the action's own checkout into a virtualenv
#   action.sh lint      lint, write SARIF + the job summary, set the step's outputs
#
# Inputs come as INPUT_* environment variables (set by action.yml); the runner's GITHUB_OUTPUT,
# GITHUB_STEP_SUMMARY, GITHUB_BASE_REF and RUNNER_TEMP are used when set.
set -euo pipefail

temp_dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
venv="$temp_dir/safemig-lint-venv"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

fail() {
    echo "::error title=safemig-lint action::$*" >&2
    exit 2
}

output() {  # name value: a step output (and on stdout when run outside a runner)
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        printf '%s=%s\n' "$1" "$2" >> "$GITHUB_OUTPUT"
    else
        printf 'output %s=%s\n' "$1" "$2"
    fi
}

summary() {  # append stdin to the job summary, if there is one
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat >> "$GITHUB_STEP_SUMMARY"; else cat > /dev/null; fi
}

install() {
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet "$here"
    echo "$venv/bin" >> "${GITHUB_PATH:-/dev/null}"
    "$venv/bin/safemig-lint" --version
}

lint() {
    local command="${SAFEMIG_LINT:-safemig-lint}"
    read -r -a paths <<< "${INPUT_PATHS:-.}"
    [ "${#paths[@]}" -gt 0 ] || paths=(.)
    read -r -a extra <<< "${INPUT_ARGS:-}"
    local category="${INPUT_CATEGORY:-}"
    [ -n "$category" ] || category="safemig-lint/$(IFS=,; echo "${paths[*]}")"
    output category "$category"

    local options=()
    if [ "${INPUT_CHANGED_ONLY:-false}" = "true" ]; then
        local base="${INPUT_BASE:-}"
        if [ -z "$base" ]; then
            [ -n "${GITHUB_BASE_REF:-}" ] || fail "changed-only needs a pull request (GITHUB_BASE_REF) or the base input"
            base="origin/$GITHUB_BASE_REF"
        fi
        git rev-parse --verify --quiet "$base^{commit}" > /dev/null \
            || fail "base '$base' is not in this checkout; check it out with history (actions/checkout with fetch-depth: 0)"
        # git-aware mode: every migration is read, only those added or changed since the base are reported.
        options+=(--base "$base")
        echo "safemig-lint: reporting on migrations added or changed since $base"
    fi

    local sarif="$temp_dir/safemig-lint.sarif" markdown="$temp_dir/safemig-lint.md"
    options+=(--format github --output-format sarif --output "$sarif" --output-format markdown --output "$markdown")
    [ -z "${INPUT_FAIL_ON:-}" ] || options+=(--fail-on "$INPUT_FAIL_ON")
    local status=0
    "$command" check "${options[@]}" "${extra[@]}" -- "${paths[@]}" || status=$?
    # The Markdown report is already cut to GitHub's comment limit, far below the summary's 1 MiB.
    [ ! -f "$markdown" ] || summary < "$markdown"
    output sarif-file "$([ -f "$sarif" ] && echo "$sarif")"
    output exit-code "$status"
}

case "${1:-}" in
    install) install ;;
    lint) lint ;;
    *) echo "usage: $0 install|lint" >&2; exit 2 ;;
esac
