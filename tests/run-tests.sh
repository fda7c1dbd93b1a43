#!/usr/bin/env bash
# The project's one test command (see README): build, start the lab (local OAuth authority, Dovecot, Postfix),
# run every xunit test project against it, then every Pester story (tests/*.Tests.ps1) under PowerShell 7.6.9 from
# the tool manifest with Pester 5.9.1 from NuGet, stop the lab, and print "N passed, N failed" counting both.
# Neither a PowerShell nor a Pester installed on the machine is used.
# Run as root on Debian 12 the first time (the lab installs dovecot/postfix with apt-get when they are missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
config=${CONFIGURATION:-Release}
results="$root/TestResults"
rm -rf "$results"
mkdir -p "$results"

echo "== build ($config)" >&2
dotnet build OutlookOAuth.sln -c "$config" -nologo -v:q

lab_started=no
stop_lab() { if [ "$lab_started" = yes ]; then tests/lab/stop.sh >&2 || true; fi; }
trap stop_lab EXIT
if [ -x tests/lab/start.sh ]; then
  echo "== start the lab" >&2
  lab_env=$(tests/lab/start.sh | tail -n 1)
  lab_started=yes
  # shellcheck disable=SC1090
  . "$lab_env"
else
  echo "tests/lab/start.sh is missing: the lab cannot start" >&2
  [ "${CI:-}" = true ] && exit 1
fi

echo "== test" >&2
status=0
dotnet test OutlookOAuth.sln -c "$config" --no-build -nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" || status=$?

echo "== Pester stories (PowerShell 7.6.9 from the tool manifest, Pester 5.9.1 from NuGet)" >&2
pester_started=$(date +%s)
dotnet tool restore >&2
pester_status=0
dotnet pwsh -NoProfile -NonInteractive -File tests/Invoke-Stories.ps1 -ResultsDirectory "$results/pester" \
  -CountsFile "$results/pester.counts" >&2 || pester_status=$?
[ "$pester_status" -eq 0 ] || status=$pester_status
echo "== Pester took $(( $(date +%s) - pester_started )) s (tool restore included); the run so far $SECONDS s" >&2

stop_lab; lab_started=no   # stop now so that the summary is the last line

passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(printf '%s' "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p')
  f=$(printf '%s' "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [ -f "$results/pester.counts" ]; then
  read -r pp pf _ < "$results/pester.counts"
  passed=$((passed + pp)); failed=$((failed + pf))
else
  failed=$((failed + 1))   # the stories did not run at all
fi
echo "$passed passed, $failed failed"
if [ "$passed" -eq 0 ] || [ "$failed" -ne 0 ] || [ "$status" -ne 0 ]; then exit 1; fi
