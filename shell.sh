#!/usr/bin/env bash
# Builds the module and opens PowerShell with it imported. Needs only the .NET SDK 10: PowerShell 7.6.9 comes from
# the repository's tool manifest (.config/dotnet-tools.json), so no PowerShell has to be installed.
#   ./shell.sh          the module imported
#   ./shell.sh --lab    also starts the lab (tests/lab/start.sh) and loads its environment, for the README's lab walk-through
set -euo pipefail
cd "$(dirname "$0")"
dotnet tool restore >&2
dotnet build src/OutlookOAuth/OutlookOAuth.csproj -c Release -nologo -v:q >&2
if [ "${1:-}" = --lab ]; then
  # shellcheck disable=SC1090
  . "$(tests/lab/start.sh | tail -n 1)"
fi
exec dotnet pwsh -NoExit -Command "Import-Module '$PWD/out/OutlookOAuth/OutlookOAuth.psd1'; Get-Command -Module OutlookOAuth"
