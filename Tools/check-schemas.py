#!/usr/bin/env python3
"""Checks Bulkhead's JSON Schemas and validates samples against them.

    python3 Tools/check-schemas.py good DIR
        Every DIR/<kind>/<name>/*.json must validate:
          DIR/events/<type>.v<version>/*.json  against Schemas/events/<type>.v<version>.schema.json
          DIR/commands/<name>/*.json           against Schemas/commands/<name>.schema.json
          DIR/envelopes/<any>/*.json           against Schemas/envelope.schema.json, and the envelope's
                                               payload against the schema of its type at the current
                                               (highest) version, since payloads are shown upcast.
        Every event and command schema and the envelope schema must be used by at least one sample.

    python3 Tools/check-schemas.py bad DIR
        Every fixture must be REFUSED by its command schema. A fixture is a JSON document
        {"body": <the bad body>, "expectField": ..., "stage": ..., "schemaCatches": <bool, optional>,
        "knownIssue": <text, optional>},
        laid out either as DIR/commands/<name>/<case>.json or flat as DIR/<name>--<case>.json (the
        layout of Tests/Fixtures/bad-commands). Fixtures with "schemaCatches": false break a rule only
        the Swift decoder or decision can check; they are skipped.

Both modes first check every schema with Draft202012Validator.check_schema (and its $id, $schema and
version marker), and Schemas/model-catalog.json against Schemas/model-catalog.schema.json.
`$ref`s resolve offline through a referencing.Registry of the schema files.

Prints one line per failure and ends with `N passed, M failed`; exits 1 on any failure, 2 on bad usage.
Options: --schemas DIR (default: the Schemas directory next to Tools/).
"""

import json
import re
import sys
from pathlib import Path

try:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError, best_match
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError as error:  # pragma: no cover - set-up problem, not a schema problem
    print(f"check-schemas: cannot import jsonschema/referencing ({error}); run Tools/install-deps.sh", file=sys.stderr)
    sys.exit(2)

DRAFT = "https://json-schema.org/draft/2020-12/schema"
BASE = "https://bulkhead.example/schemas/"
EVENT_FILE = re.compile(r"^(?P<type>.+)\.v(?P<version>[1-9][0-9]*)\.schema\.json$")
COMMAND_FILE = re.compile(r"^(?P<name>.+)\.schema\.json$")


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0

    def ok(self):
        self.passed += 1

    def fail(self, where, message):
        self.failed += 1
        print(f"FAIL {where}: {message}")

    def check(self, condition, where, message):
        if condition:
            self.ok()
        else:
            self.fail(where, message)
        return condition


def load_json(path):
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"))


def describe(error):
    location = "/".join(str(p) for p in error.absolute_path) or "(document)"
    return f"at {location}: {error.message}"


class Schemas:
    """The schema files, their validators and which of them samples used."""

    def __init__(self, root, report):
        self.root = root
        self.report = report
        self.documents = {}  # relative path -> document
        self.events = {}  # (type, version) -> relative path
        self.commands = {}  # name -> relative path
        self.used = set()
        self.validators = {}
        self.load()

    def load(self):
        if not (self.root / "common.schema.json").is_file():
            self.report.fail(str(self.root), "no common.schema.json: is this the Schemas directory?")
            return
        paths = sorted(self.root.glob("*.schema.json")) + sorted((self.root / "events").glob("*.json")) \
            + sorted((self.root / "commands").glob("*.json"))
        for path in paths:
            rel = path.relative_to(self.root).as_posix()
            try:
                document = load_json(path)
            except (OSError, ValueError) as error:
                self.report.fail(f"Schemas/{rel}", f"not readable JSON: {error}")
                continue
            if self.check_schema(rel, document):
                self.documents[rel] = document
            if rel.startswith("events/"):
                match = EVENT_FILE.match(path.name)
                if self.report.check(match is not None, f"Schemas/{rel}", "an event schema is named <type>.v<version>.schema.json"):
                    key = (match["type"], int(match["version"]))
                    self.events[key] = rel
                    marker = document.get("x-bulkhead-schema-version")
                    self.report.check(marker == key[1] and type(marker) is int, f"Schemas/{rel}",
                                      f"x-bulkhead-schema-version is {marker!r}, the file name says {key[1]}")
            elif rel.startswith("commands/"):
                match = COMMAND_FILE.match(path.name)
                if self.report.check(match is not None, f"Schemas/{rel}", "a command schema is named <name>.schema.json"):
                    self.commands[match["name"]] = rel
        resources = [(BASE + rel, Resource(contents=doc, specification=DRAFT202012)) for rel, doc in self.documents.items()]
        self.registry = Registry().with_resources(resources)

    def check_schema(self, rel, document):
        where = f"Schemas/{rel}"
        try:
            Draft202012Validator.check_schema(document)
        except SchemaError as error:
            self.report.fail(where, f"not a valid draft 2020-12 schema: {error.message}")
            return False
        problems = []
        if document.get("$schema") != DRAFT:
            problems.append(f"$schema is {document.get('$schema')!r}, expected {DRAFT}")
        if document.get("$id") != BASE + rel:
            problems.append(f"$id is {document.get('$id')!r}, expected {BASE + rel}")
        if rel != "common.schema.json":
            for key in ("title", "description"):
                if not isinstance(document.get(key), str) or not document.get(key):
                    problems.append(f"no {key}")
            if rel.startswith(("events/", "commands/")) or rel == "envelope.schema.json":
                if document.get("type") != "object" or document.get("additionalProperties") is not False:
                    problems.append("expected type object with additionalProperties false")
                if not isinstance(document.get("required"), list) or not isinstance(document.get("properties"), dict):
                    problems.append("expected properties and required")
        for problem in problems:
            self.report.fail(where, problem)
        if not problems:
            self.report.ok()
        return True

    def validator(self, rel):
        if rel not in self.validators:
            self.validators[rel] = Draft202012Validator(self.documents[rel], registry=self.registry)
        self.used.add(rel)
        return self.validators[rel]

    def errors(self, rel, instance):
        """The best error of validating `instance` against `rel`, or None when it is valid."""
        return best_match(self.validator(rel).iter_errors(instance))

    def current_event(self, type_):
        versions = [v for (t, v) in self.events if t == type_]
        return self.events[(type_, max(versions))] if versions else None

    def check_references(self):
        """Every $ref names a definition that exists (a dangling one fails only when a sample reaches it)."""
        for rel, document in sorted(self.documents.items()):
            bad = []
            for target in refs(document):
                try:
                    self.registry.resolver(base_uri=BASE + rel).lookup(target)
                except Exception as error:  # referencing raises several unresolvable kinds
                    bad.append(f"{target} ({type(error).__name__})")
            self.report.check(not bad, f"Schemas/{rel}", "unresolvable $ref: " + ", ".join(bad))
        referenced = any("common.schema.json" in target for doc in self.documents.values() for target in refs(doc))
        self.report.check(referenced, "Schemas/common.schema.json", "no schema references it")


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def check_model_catalog(schemas, report):
    rel = "model-catalog.schema.json"
    data_path = schemas.root / "model-catalog.json"
    if rel not in schemas.documents:
        report.fail(f"Schemas/{rel}", "missing")
        return
    try:
        catalog = load_json(data_path)
    except (OSError, ValueError) as error:
        report.fail("Schemas/model-catalog.json", f"not readable JSON: {error}")
        return
    error = schemas.errors(rel, catalog)
    if not report.check(error is None, "Schemas/model-catalog.json", describe(error) if error else ""):
        return
    pairs = [(m["provider"], m["id"]) for m in catalog["models"]]
    report.check(len(pairs) == len(set(pairs)), "Schemas/model-catalog.json", "a provider lists a model id twice")
    for adapter in catalog["defaultAdapters"]:
        report.check((adapter["provider"], adapter["model"]) in pairs, "Schemas/model-catalog.json",
                     f"default adapter {adapter['provider']}/{adapter['model']} is not a model of the catalog")
    providers = [a["provider"] for a in catalog["defaultAdapters"]]
    report.check(len(providers) == len(set(providers)), "Schemas/model-catalog.json", "a provider has two default adapters")
    features = [d["feature"] for d in catalog["featureDefaults"]]
    report.check(len(features) == len(set(features)), "Schemas/model-catalog.json", "a feature has two default models")
    for default in catalog["featureDefaults"]:
        report.check((default["provider"], default["model"]) in pairs, "Schemas/model-catalog.json",
                     f"the default of {default['feature']}, {default['provider']}/{default['model']}, is not a model of the catalog")


def samples(directory):
    """(kind, name, path) of every DIR/<kind>/<name>/*.json."""
    for kind_dir in sorted(p for p in directory.iterdir() if p.is_dir()):
        for name_dir in sorted(p for p in kind_dir.iterdir() if p.is_dir()):
            for path in sorted(name_dir.glob("*.json")):
                yield kind_dir.name, name_dir.name, path


def good(schemas, directory, report):
    count = 0
    for kind, name, path in samples(directory):
        count += 1
        where = path.relative_to(directory).as_posix()
        try:
            instance = load_json(path)
        except (OSError, ValueError) as error:
            report.fail(where, f"not readable JSON: {error}")
            continue
        if kind == "events":
            match = re.match(r"^(?P<type>.+)\.v(?P<version>[0-9]+)$", name)
            rel = schemas.events.get((match["type"], int(match["version"]))) if match else None
            if rel is None:
                report.fail(where, f"no event schema Schemas/events/{name}.schema.json")
                continue
            error = schemas.errors(rel, instance)
            report.check(error is None, where, f"not valid against Schemas/{rel} {describe(error) if error else ''}")
        elif kind == "commands":
            rel = schemas.commands.get(name)
            if rel is None:
                report.fail(where, f"no command schema Schemas/commands/{name}.schema.json")
                continue
            error = schemas.errors(rel, instance)
            report.check(error is None, where, f"not valid against Schemas/{rel} {describe(error) if error else ''}")
        elif kind == "envelopes":
            error = schemas.errors("envelope.schema.json", instance)
            if not report.check(error is None, where, f"not valid against Schemas/envelope.schema.json {describe(error) if error else ''}"):
                continue
            rel = schemas.current_event(instance["type"])
            if rel is None:
                report.fail(where, f"no event schema for the envelope's type {instance['type']!r}")
                continue
            error = schemas.errors(rel, instance["payload"])
            report.check(error is None, where, f"payload not valid against Schemas/{rel} {describe(error) if error else ''}")
        else:
            report.fail(where, f"unknown kind {kind!r} (expected events, commands or envelopes)")
    report.check(count > 0, str(directory), "no samples found (expected DIR/<kind>/<name>/*.json)")
    every = sorted(schemas.events.values()) + sorted(schemas.commands.values()) + ["envelope.schema.json"]
    for rel in every:
        report.check(rel in schemas.used, f"Schemas/{rel}", "no sample used this schema")


def fixtures(directory):
    """(command name, path) of every bad-command fixture, in either layout."""
    nested = directory / "commands"
    if nested.is_dir():
        for name_dir in sorted(p for p in nested.iterdir() if p.is_dir()):
            for path in sorted(name_dir.glob("*.json")):
                yield name_dir.name, path
    for path in sorted(directory.glob("*.json")):
        if "--" in path.name:
            yield path.name.split("--", 1)[0], path
        else:
            yield None, path


def bad(schemas, directory, report):
    count = 0
    for name, path in fixtures(directory):
        count += 1
        where = path.relative_to(directory).as_posix()
        if name is None:
            report.fail(where, "a flat fixture is named <command name>--<case>.json")
            continue
        try:
            fixture = load_json(path)
        except (OSError, ValueError) as error:
            report.fail(where, f"not readable JSON: {error}")
            continue
        if not isinstance(fixture, dict) or "body" not in fixture:
            report.fail(where, 'a fixture is {"expectField": ..., "body": ..., "stage": ...}')
            continue
        if fixture.get("schemaCatches") is False:
            report.skipped += 1
            continue
        rel = schemas.commands.get(name)
        if rel is None:
            report.fail(where, f"no command schema Schemas/commands/{name}.schema.json")
            continue
        error = schemas.errors(rel, fixture["body"])
        report.check(error is not None, where, f"the bad body is ACCEPTED by Schemas/{rel} (expected it refused at {fixture.get('expectField')!r})")
    report.check(count > 0, str(directory), "no fixtures found")


def main(argv):
    args = list(argv[1:])
    schemas_dir = Path(__file__).resolve().parent.parent / "Schemas"
    if "--schemas" in args:
        i = args.index("--schemas")
        if i + 1 >= len(args):
            print("check-schemas: --schemas needs a directory", file=sys.stderr)
            return 2
        schemas_dir = Path(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2 or args[0] not in ("good", "bad"):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: check-schemas.py good|bad DIR [--schemas SCHEMAS_DIR]", file=sys.stderr)
        return 2
    mode, directory = args[0], Path(args[1])
    if not directory.is_dir():
        print(f"check-schemas: {directory} is not a directory", file=sys.stderr)
        return 2
    report = Report()
    schemas = Schemas(schemas_dir, report)
    schemas.check_references()
    check_model_catalog(schemas, report)
    if mode == "good":
        good(schemas, directory, report)
    else:
        bad(schemas, directory, report)
    if report.skipped:
        print(f"{report.skipped} fixtures skipped (schemaCatches: false)")
    print(f"{report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
