#!/usr/bin/env bash
# Runs a test command with -v, keeps its whole output in a log file, shows
# only the package lines and the failures, and counts the tests:
#   bash .ci/testcount.sh LABEL LOG command [args...]
# prints e.g. "linux: 1234 passed, 0 failed, 5 skipped (log: LOG)" and
# exits with the command's status. Subtests count as tests. A skip's
# reason is printed, so that every skip stays visible in CI.
set -uo pipefail
label=$1 log=$2
shift 2
start=$(date +%s)
"$@" -v > "$log" 2>&1
status=$?
secs=$(( $(date +%s) - start ))
# Package results, failures (with the lines up to the next test), skips.
awk '
  /^(ok|FAIL|panic:|\?) / || /^FAIL$/ { print; next }
  /^ *--- FAIL: / { show = 1; print; next }
  /^ *--- SKIP: / { show = 0; print; if ($3 in said) print "  " said[$3]; next }
  /^=== (RUN|CONT|NAME) / { show = 0; cur = $3; next }
  /^ *(=== PAUSE|--- PASS: )/ { show = 0; next }
  show { print; next }
  /^ +[A-Za-z0-9_]+\.go:[0-9]+: / { said[cur] = $0 }   # the last line a test logged: a skip says why
' "$log"
count() { grep -cE "^ *--- $1: " "$log"; }
printf '%s: %d passed, %d failed, %d skipped, in %dm%02ds (log: %s)\n' \
  "$label" "$(count PASS)" "$(count FAIL)" "$(count SKIP)" $((secs / 60)) $((secs % 60)) "$log" | tee -a "${TESTCOUNT_SUMMARY:-/dev/null}"
exit $status
