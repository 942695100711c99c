#!/usr/bin/env bash
# A CI gate: fail the pipeline when a ClearML Server configuration has errors, and show each finding.
#
#   examples/ci-check.sh CONFIG_DIR
#
# clearml-cfg check --json prints one JSON list of {code, severity, file, line, column, variable, message, hint,
# fixable} (`variable`: the CLEARML__ variable a value comes from, when it is not from a file); its exit code is
# 0 (no errors), 1 (errors, a config directory that does not exist; or warnings with --strict) or 3 (a file
# cannot be parsed).
set -u
config_dir="${1:?usage: ci-check.sh CONFIG_DIR}"

report="$(clearml-cfg check --json --config-dir "$config_dir")"
status=$?

printf '%s\n' "$report" | python3 -c '
import json, sys
for finding in json.load(sys.stdin):
    where = finding["file"] or finding.get("variable") or "env"
    if finding["line"]:
        where += ":%d" % finding["line"]
    print(finding["severity"], finding["code"], where + ":", finding["message"])
'

case $status in
  0) echo "check passed" >&2 ;;
  1) echo "check failed: the server would not work as configured (clearml-cfg check --fix repairs some)" >&2 ;;
  3) echo "check failed: a configuration file cannot be parsed; the server would not start" >&2 ;;
  *) echo "clearml-cfg failed with exit code $status" >&2 ;;
esac
exit "$status"
