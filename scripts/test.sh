#!/usr/bin/env bash
# Runs Tern's whole test suite. Installs what the tests need first (redis-server and redis-tools from
# Debian's packages) when it is missing. Prints "N passed, N failed" as its last line.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1 || ! command -v redis-benchmark >/dev/null 2>&1; then
  echo "Installing redis-server and redis-tools (the tests compare Tern with the real Redis)..."
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null
fi
# The Debian package may start a system redis on 6379; the tests use their own servers on free ports.

results="$(mktemp -d)"
dotnet test Tern.slnx -c Release --logger "trx" --results-directory "$results" "$@"
status=$?

passed=0
failed=0
for f in "$results"/*.trx; do
  [ -f "$f" ] || continue
  p=$(grep -o 'passed="[0-9]*"' "$f" | head -1 | grep -o '[0-9]*')
  x=$(grep -o 'failed="[0-9]*"' "$f" | head -1 | grep -o '[0-9]*')
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${x:-0}))
done
rm -rf "$results"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
exit "$status"
