#!/usr/bin/env python3
"""Checks Schemas/openapi.yaml against the running service (used by Tests/ServiceTests).

    python3 Tests/ServiceTests/check-openapi.py Schemas/openapi.yaml OBSERVED.json

OBSERVED.json, written by the Swift test, holds:
  routes:    [{"method", "path", "statuses": [int]}]  every route the router registers, with the
             statuses it can return
  responses: [{"method", "path", "status", "contentType", "body"}]  real responses

Checks: the spec is a valid OpenAPI 3.1 document (openapi-spec-validator, relative $refs
resolved from the file); every registered route is in the spec with each of its statuses, and the
spec has no operation the server does not register; every real response's status is documented
and its body validates against the documented schema (JSON bodies; for text/event-stream, each
`data:` line against the `x-bulkhead-data-schema`); every example in the spec validates against its
schema. Schemas are resolved offline: every file under Schemas/ is registered under its `$id`, and
the spec itself under https://bulkhead.example/schemas/openapi.yaml, so `./commands/...` resolves.
The last line is `N passed, M failed`; the exit code is non-zero on any failure.
"""
import json
import pathlib
import sys

import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE = "https://bulkhead.example/schemas/openapi.yaml"
passed = 0
failures = []


def check(ok, message):
    global passed
    if ok:
        passed += 1
    else:
        failures.append(message)


def pointer(*parts):
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def main():
    spec_path = pathlib.Path(sys.argv[1]).resolve()
    observed = json.loads(pathlib.Path(sys.argv[2]).read_text())
    spec = yaml.safe_load(spec_path.read_text())

    try:
        validate_spec(spec, base_uri=spec_path.as_uri())
        check(True, "")
    except Exception as error:  # noqa: BLE001 - report any validator failure as a check
        check(False, f"the spec is not valid OpenAPI: {error}")

    resources = [(BASE, Resource(contents=spec, specification=DRAFT202012))]
    for path in spec_path.parent.rglob("*.json"):
        document = json.loads(path.read_text())
        if isinstance(document, dict) and "$id" in document:
            resources.append((document["$id"], Resource.from_contents(document, default_specification=DRAFT202012)))
    registry = Registry().with_resources(resources)

    def validator(location):
        return Draft202012Validator({"$ref": BASE + "#" + location}, registry=registry)

    def errors(location, instance):
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator(location).iter_errors(instance)]

    # 1. Routes and statuses.
    operations = {(m.upper(), p) for p, item in spec["paths"].items() for m in item if m in ("get", "post", "put", "patch", "delete")}
    registered = {(r["method"], r["path"]) for r in observed["routes"]}
    for route in observed["routes"]:
        key = (route["method"], route["path"])
        check(key in operations, f"{key[0]} {key[1]} is registered but not in the spec")
        if key not in operations:
            continue
        documented = set(spec["paths"][route["path"]][route["method"].lower()]["responses"])
        for status in route["statuses"]:
            check(str(status) in documented, f"{key[0]} {key[1]} can return {status}, which the spec does not document")
    for key in sorted(operations - registered):
        check(False, f"the spec documents {key[0]} {key[1]}, which the server does not register")

    # 2. Real responses.
    for response in observed["responses"]:
        label = f"{response['method']} {response['path']} {response['status']}"
        operation = spec["paths"].get(response["path"], {}).get(response["method"].lower())
        if operation is None:
            check(False, f"{label}: no such operation in the spec")
            continue
        status = str(response["status"])
        if status not in operation["responses"]:
            check(False, f"{label}: status not documented")
            continue
        location = ["paths", response["path"], response["method"].lower(), "responses", status]
        documented = operation["responses"][status]
        if "$ref" in documented:
            name = documented["$ref"].split("/")[-1]
            documented = spec["components"]["responses"][name]
            location = ["components", "responses", name]
        media = response["contentType"].split(";")[0].strip()
        content = documented.get("content", {})
        if media not in content:
            check(False, f"{label}: content type {media} not documented (documented: {sorted(content)})")
            continue
        schema_location = pointer(*location, "content", media, "schema")
        if media == "application/json":
            try:
                body = json.loads(response["body"])
            except ValueError as error:
                check(False, f"{label}: the body is not JSON: {error}")
                continue
            found = errors(schema_location, body)
            check(not found, f"{label}: {found[:5]}")
        elif media == "text/event-stream":
            data_location = pointer(*location, "content", media, "x-bulkhead-data-schema")
            lines = [line[len("data: "):] for line in response["body"].split("\n") if line.startswith("data: ")]
            check(bool(lines), f"{label}: the stream carried no data")
            for line in lines:
                found = errors(data_location, json.loads(line))
                check(not found, f"{label}: an event does not match: {found[:5]}")
        else:
            check(isinstance(response["body"], str), f"{label}: body is not text")

    # 3. Every example in the spec validates against its schema.
    def walk(node, location):
        if isinstance(node, dict):
            if "example" in node and "schema" in node:
                found = errors(pointer(*location, "schema"), node["example"])
                check(not found, f"the example at {pointer(*location)} does not match its schema: {found[:5]}")
            for key, value in node.items():
                walk(value, location + [key])
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, location + [index])

    walk(spec, [])

    for failure in failures:
        print("FAIL:", failure)
    print(f"{passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
