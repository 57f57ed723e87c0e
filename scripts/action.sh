#!/usr/bin/env bash
# The shell logic of the GitHub Action (action.yml), kept here so that it can be run and tested
# outside a runner.
#
#   action.sh install   install safemig-lint from the action's own checkout into a virtualenv
#                       (with the `verify` extra when INPUT_VERIFY is true)
#   action.sh lint      `check` the paths: SARIF + the job summary, the step's outputs
#   action.sh verify    `verify` the same paths on a real database: its own SARIF + summary + outputs
#
# Inputs come as INPUT_* environment variables (set by action.yml); the runner's GITHUB_OUTPUT,
# GITHUB_STEP_SUMMARY, GITHUB_BASE_REF, GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY
# and RUNNER_TEMP are used when set.
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

split_words() {  # split_words TEXT: TEXT split as a shell would (quotes kept together, nothing expanded) into WORDS
    # Python's shlex, not bash word splitting: `--ignore "SM101 SM102"` stays one argument, and the
    # newlines of a YAML block separate words as spaces do. Nothing is expanded or run.
    local file
    file="$(mktemp)"
    if ! python3 -c 'import shlex, sys; sys.stdout.write("".join(w + "\0" for w in shlex.split(sys.argv[1])))' "$1" > "$file"; then
        rm -f "$file"
        fail "cannot read '$1' as a list of arguments (an unclosed quote?)"
    fi
    WORDS=()
    local word
    while IFS= read -r -d '' word; do WORDS+=("$word"); done < "$file"
    rm -f "$file"
}

upload_allowed() {  # whether this run may upload SARIF; says why not when it may not
    [ "${INPUT_UPLOAD_SARIF:-true}" = "true" ] || return 1
    # A pull request from a fork (and Dependabot's) gets a read-only token: no security-events: write.
    case "${GITHUB_EVENT_NAME:-}" in pull_request | pull_request_review | pull_request_review_comment) ;; *) return 0 ;; esac
    local head=""
    if [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ]; then
        head="$(python3 -c 'import json, sys; print(((json.load(open(sys.argv[1])).get("pull_request") or {}).get("head") or {}).get("repo", {}).get("full_name") or "")' "$GITHUB_EVENT_PATH" 2>/dev/null || true)"
    fi
    if [ -n "$head" ] && [ "$head" != "${GITHUB_REPOSITORY:-$head}" ]; then
        echo "::notice title=safemig-lint::not uploading SARIF: a pull request from the fork $head cannot write to code scanning (security-events: write); the findings are in the annotations and the job summary"
        return 1
    fi
    if [ "${GITHUB_ACTOR:-}" = "dependabot[bot]" ]; then
        echo "::notice title=safemig-lint::not uploading SARIF: Dependabot's pull requests have a read-only token; the findings are in the annotations and the job summary"
        return 1
    fi
    return 0
}

install() {
    local extras=""
    [ "${INPUT_VERIFY:-false}" != "true" ] || extras="[verify]"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet "$here$extras"
    echo "$venv/bin" >> "${GITHUB_PATH:-/dev/null}"
    "$venv/bin/safemig-lint" --version
}

# run COMMAND-NAME OPTIONS...: run `safemig-lint COMMAND` on the paths into a folder of this step's own
# (so that nothing of an earlier run or step is ever reported as this one's), then set the outputs
# sarif-file, category and exit-code, and append the Markdown report to the job summary.
run() {
    local name="$1"
    shift
    local command="${SAFEMIG_LINT:-safemig-lint}"
    split_words "${INPUT_PATHS:-.}"
    local paths=(. ) extra=()
    [ "${#WORDS[@]}" -eq 0 ] || paths=("${WORDS[@]}")
    if [ "$name" = check ]; then split_words "${INPUT_ARGS:-}"; else split_words "${INPUT_VERIFY_ARGS:-}"; fi
    [ "${#WORDS[@]}" -eq 0 ] || extra=("${WORDS[@]}")
    local category="${INPUT_CATEGORY:-}"
    [ -n "$category" ] || category="safemig-lint/$(IFS=,; echo "${paths[*]}")"
    [ "$name" = check ] || category="$category/$name"

    local folder
    folder="$(mktemp -d "$temp_dir/safemig-lint-$name.XXXXXX")"
    local sarif="$folder/$name.sarif" markdown="$folder/$name.md" errors="$folder/stderr"
    local options=("$@" --format github --output-format sarif --output "$sarif" --output-format markdown --output "$markdown")
    [ -z "${INPUT_FAIL_ON:-}" ] || options+=(--fail-on "$INPUT_FAIL_ON")
    local status=0
    "$command" "$name" "${options[@]}" "${extra[@]}" -- "${paths[@]}" 2> "$errors" || status=$?
    cat "$errors" >&2
    output exit-code "$status"
    if [ "$status" -ge 2 ] && { [ ! -s "$sarif" ] || grep -q '^safemig-lint: error:' "$errors"; }; then
        # A usage or configuration error: no report to trust. Fail this step with the message.
        output sarif-file ""
        output category "$category"
        { echo "## safemig-lint $name"; echo; echo "**Error** (exit $status):"; echo; echo '```'; cat "$errors"; echo '```'; } | summary
        local message
        message="$(grep -m1 'error' "$errors" || head -n1 "$errors" || true)"
        echo "::error title=safemig-lint $name::${message:-safemig-lint $name exited with status $status}" >&2
        exit "$status"
    fi
    # The Markdown report is already cut to 64 KiB, far below the summary's 1 MiB.
    [ ! -f "$markdown" ] || summary < "$markdown"
    output category "$category"
    if [ -f "$sarif" ] && upload_allowed; then output sarif-file "$sarif"; else output sarif-file ""; fi
}

lint() {
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
    run check "${options[@]}"
}

verify() {
    echo "safemig-lint: verifying every migration up, down and up again on a real database"
    run verify
}

case "${1:-}" in
    install) install ;;
    lint) lint ;;
    verify) verify ;;
    *) echo "usage: $0 install|lint|verify" >&2; exit 2 ;;
esac
