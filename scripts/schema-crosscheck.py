#!/usr/bin/env python3
"""Validates instances with Python's jsonschema, for the cross-check test of Roster's validator.

usage: schema-crosscheck.py SCHEMA_DIR CASES.json
CASES.json is a list of {"schema": FILE NAME, "instance": ...}; prints a JSON list of booleans
(valid or not), one per case, in order.
"""
import json
import pathlib
import sys

import jsonschema
import referencing

schema_dir = pathlib.Path(sys.argv[1])
schemas = {p.name: json.loads(p.read_text()) for p in sorted(schema_dir.glob("*.schema.json"))}
registry = referencing.Registry().with_resources(
    (s["$id"], referencing.Resource.from_contents(s)) for s in schemas.values()
)
validators = {
    name: jsonschema.Draft202012Validator(schema, registry=registry) for name, schema in schemas.items()
}
cases = json.loads(pathlib.Path(sys.argv[2]).read_text())
print(json.dumps([validators[c["schema"]].is_valid(c["instance"]) for c in cases]))
