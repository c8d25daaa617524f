#!/usr/bin/env bash
# The demo `make demo` runs: validate an example organisation, then ask access questions.
set -euo pipefail
roster=${1:-.build/debug/roster}
example=examples/integration-hub

run() {
  printf '\n\033[1m$ roster %s\033[0m\n' "$*"
  "$roster" "$@"
}

echo "Roster demo on $example (the integration-hub platform, from shared/seeds/003_c696161a326d4526.txt)"
run catalog list
run validate --config "$example"
# Tier trumps role: Bob is a manager, and the professional tier lets managers write scripts.
run check --config "$example" --principal bob@northwind.example --permission "Create custom scripts"
# Nobody may elevate or reduce their own role; only support staff elevate to administrator.
run check --config "$example" --principal ada@northwind.example \
  --permission company-users.elevate-to-administrator
# A role bound at a linked company applies there, not at the company profile.
run explain --config "$example" --principal eli@northwind.example --permission "Run process flow manually"
run check --config "$example" --principal eli@northwind.example --permission "Run process flow manually" \
  --scope tenant/northwind-retail --format json
run who-can --config "$example" --permission "Create a company user with a [manager role]"
