#!/usr/bin/env python3
"""Checks Schemas/openapi.yaml against the running service (used by Tests/ServiceTests).

    python3 Tests/ServiceTests/check-openapi.py Schemas/openapi.yaml OBSERVED.json

OBSERVED.json, written by the Swift test, holds:
  routes:    [{"method", "path", "statuses": [int]}]  every route the router registers, with the
             statuses it can return (the command route as one path per command)
  commands:  [{"name", "needsBody"}]  every command the server knows, and whether it refuses an
             empty body
  responses: [{"method", "path", "status", "contentType", "body", "allow"}]  real responses
  samples:   [{"method", "path", "in", "name", "value", "accepted"}]  (optional) parameter values
             sent to the server, and whether it accepted them

Checks: the spec is a valid OpenAPI 3.1 document (openapi-spec-validator, relative $refs
resolved from the file); every registered route is in the spec with each of its statuses, and the
spec has no operation the server does not register; every command the server knows has its own
path `/v1/commands/<name>` whose request body is `./commands/<name>.schema.json` and is required
exactly when the server needs one, and the spec has no command path the server does not know;
every real response's status is documented and its body validates against the documented schema
(JSON bodies; for text/event-stream, each `data:` line against the `x-bulkhead-data-schema`); a
405 is answered for a path of the spec with a method it lacks, its `Allow` lists exactly the
path's methods, and its body matches `MethodNotAllowed`; each sampled parameter value is valid by
its documented schema exactly when the server accepted it (the contract states the server's real
rule); every example in the spec validates against its schema. Schemas are resolved offline:
every file under Schemas/ is registered under its `$id`, and the spec itself under
https://bulkhead.example/schemas/openapi.yaml, so `./commands/...` resolves.
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

    # 1. Routes and statuses (when the server's routes were reported).
    operations = {(m.upper(), p) for p, item in spec["paths"].items() for m in item if m in ("get", "post", "put", "patch", "delete")}
    reported = observed.get("routes", [])
    registered = {(r["method"], r["path"]) for r in reported}
    for route in reported:
        key = (route["method"], route["path"])
        check(key in operations, f"{key[0]} {key[1]} is registered but not in the spec")
        if key not in operations:
            continue
        documented = set(spec["paths"][route["path"]][route["method"].lower()]["responses"])
        for status in route["statuses"]:
            check(str(status) in documented, f"{key[0]} {key[1]} can return {status}, which the spec does not document")
    for key in sorted(operations - registered) if reported else []:
        check(False, f"the spec documents {key[0]} {key[1]}, which the server does not register")

    # 2. One path per command, each with its own request schema.
    prefix = "/v1/commands/"
    documented_commands = {p[len(prefix):] for p in spec["paths"] if p.startswith(prefix)}
    known = {c["name"]: c["needsBody"] for c in observed.get("commands", [])}
    if "commands" in observed:
        check(bool(known), "the server reported no commands")
    else:
        documented_commands = set()
    for name in sorted(set(known) - documented_commands):
        check(False, f"the server knows command {name}, which has no path {prefix}{name} in the spec")
    for name in sorted(documented_commands - set(known)):
        check(False, f"the spec documents {prefix}{name}, a command the server does not know")
    for name in sorted(set(known) & documented_commands):
        operation = spec["paths"][prefix + name].get("post")
        if operation is None:
            check(False, f"{prefix}{name} has no POST")
            continue
        body = operation.get("requestBody", {})
        schema = body.get("content", {}).get("application/json", {}).get("schema", {})
        check(schema.get("$ref") == f"./commands/{name}.schema.json",
              f"{prefix}{name}: the request schema is {schema}, not ./commands/{name}.schema.json")
        check(body.get("required", False) == known[name],
              f"{prefix}{name}: requestBody.required is {body.get('required', False)}, but the server "
              + ("refuses" if known[name] else "accepts") + " an empty body")

    # 3. Real responses.
    methods = ("get", "post", "put", "patch", "delete")
    for response in observed["responses"]:
        label = f"{response['method']} {response['path']} {response['status']}"
        if response["status"] == 405:
            item = spec["paths"].get(response["path"])
            if item is None:
                check(False, f"{label}: a 405 for a path that is not in the spec")
                continue
            check(response["method"].lower() not in item, f"{label}: a 405 for a method the spec lists")
            listed = sorted(m.upper() for m in item if m in methods)
            allow = sorted(m.strip() for m in response.get("allow", "").split(",") if m.strip())
            check(allow == listed, f"{label}: Allow is {allow}, the spec lists {listed}")
            found = errors(pointer("components", "responses", "MethodNotAllowed", "content", "application/json", "schema"),
                           json.loads(response["body"]))
            check(not found, f"{label}: {found[:5]}")
            continue
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
        elif media == "application/jsonl":
            line_location = pointer(*location, "content", media, "x-bulkhead-line-schema")
            lines = [line for line in response["body"].split("\n") if line]
            check(bool(lines), f"{label}: the JSON Lines body is empty")
            for line in lines:
                found = errors(line_location, json.loads(line))
                check(not found, f"{label}: a line does not match: {found[:5]}")
        else:
            check(isinstance(response["body"], str), f"{label}: body is not text")

    # 4. The documented parameter rules are the server's.
    for sample in observed.get("samples", []):
        label = f"{sample['method'].upper()} {sample['path']} {sample['in']} {sample['name']}={sample['value'][:40]!r}"
        operation = spec["paths"].get(sample["path"], {}).get(sample["method"].lower())
        if operation is None:
            check(False, f"{label}: no such operation in the spec")
            continue
        location = schema = None
        for index, parameter in enumerate(operation.get("parameters", [])):
            where = ["paths", sample["path"], sample["method"].lower(), "parameters", index]
            if "$ref" in parameter:
                name = parameter["$ref"].split("/")[-1]
                parameter = spec["components"]["parameters"][name]
                where = ["components", "parameters", name]
            header = sample["in"] == "header"
            same = parameter["name"].lower() == sample["name"].lower() if header else parameter["name"] == sample["name"]
            if same and parameter["in"] == sample["in"]:
                location, schema = where + ["schema"], parameter["schema"]
        if location is None:
            check(False, f"{label}: the parameter is not documented")
            continue
        value = sample["value"]
        if schema.get("type") == "integer":
            try:
                valid = not errors(pointer(*location), int(value, 10))
            except ValueError:
                valid = False
        else:
            valid = not errors(pointer(*location), value)
        accepted = sample["accepted"]
        check(valid == accepted, f"{label}: the server {'accepts' if accepted else 'refuses'} it, "
              f"the spec says it is {'valid' if valid else 'invalid'}")

    # 5. Every example in the spec validates against its schema.
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
