#!/usr/bin/env bash
# The demo `make demo` runs: Roster's main job on an example, with the embedded default state.
# init → validate → plan → apply → plan again (no changes) → check, explain, who-can from the state.
set -euo pipefail
roster=${1:-.build/debug/roster}
example=examples/integration-hub
state=$(mktemp -d)/state.sqlite
trap 'rm -rf "$(dirname "$state")"' EXIT

run() {
  printf '\n\033[1m$ roster %s\033[0m\n' "$*"
  "$roster" "$@"
}

echo "Roster demo on $example (the integration-hub platform, from shared/seeds/003_c696161a326d4526.txt)."
echo "The state is a SQLite file; here a throw-away one: $state"
run init --organization Northwind --platform integration-hub --admin ada@northwind.example --state "$state"
run validate --config "$example"
# The example carries its seed's rules as access tests (tests/access.yaml).
run test --config "$example"
# The actor is who applies: the safety rules check what they may grant. The example turns on
# organisation-wide 2FA, a sign-in change that must be confirmed.
run plan --config "$example" --state "$state" --actor ada@northwind.example --confirm-sign-in-change \
  -out "$(dirname "$state")/plan.json"
run apply "$(dirname "$state")/plan.json" --state "$state"
run plan --config "$example" --state "$state" --actor ada@northwind.example --detailed-exitcode
run audit verify --state "$state"
# Tier trumps role: Bob is a manager, and the professional tier lets managers write scripts.
run check --state "$state" --principal bob@northwind.example --permission "Create custom scripts"
# Nobody may elevate or reduce their own role; only support staff elevate to administrator.
run check --state "$state" --principal ada@northwind.example --permission company-users.elevate-to-administrator
# A role bound at a linked company applies there, not at the company profile.
run explain --state "$state" --principal eli@northwind.example --permission "Run process flow manually"
run who-can --state "$state" --permission "Create a company user with a [manager role]"
