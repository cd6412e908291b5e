#!/usr/bin/env python3
"""Generates the BinaryCodable conformances of the domain's stored types.

Reads the stored properties (`public var name: Type`) of the Codable structs and the cases of the
String-raw-value enums in the listed Swift files, and writes conformances that read and write
exactly the bytes BinaryEncoder writes for them: fields in declaration order without names, Int as
a zigzag varint, unsigned integers as varints, String as a varint length and UTF-8, UUID as 16
bytes, Date as a zigzag varint of microseconds, Bool as one byte, an optional as a presence byte and
the value, an array as a 4-byte big-endian count and the elements, enums as their raw value.

A struct that codes itself (its own `init(from:)`, `encode(to:)` or `CodingKeys`) is refused unless
it is listed in HAND_WRITTEN, whose conformances are written by hand next to the type: the
generator cannot know what its Codable code writes.

    Tools/gen-binary-coding.py           # rewrite the generated files
    Tools/gen-binary-coding.py --check   # exit 1 if any generated file is out of date
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (output file, imports, [(source file, only these types or None for every Codable type)])
OUTPUTS = [
    ("Sources/Domain/Generated/BinaryCoding+Events.swift", ["BulkheadCore", "Foundation"],
     [("Sources/Domain/Events.swift", None)]),
    ("Sources/Domain/Generated/BinaryCoding+Records.swift", ["BulkheadCore", "Foundation"],
     [("Sources/Domain/Records.swift", None), ("Sources/Domain/Vocabulary.swift", None)]),
    ("Sources/Projections/Generated/BinaryCoding+Reports.swift", ["BulkheadCore", "Domain", "Foundation"],
     [("Sources/Projections/MatchReports.swift", None), ("Sources/Projections/ProjectionCatalog.swift", ["ProjectionMeta"])]),
]

# Types with custom Codable code and a hand-written conformance (file it lives in).
HAND_WRITTEN = {
    "ConfigValue": "Sources/Domain/ConfigValue+BinaryCodable.swift",
    "LocalDate": "Sources/Domain/LocalDate+BinaryCodable.swift",
}

# Types BulkheadCore conforms itself.
CORE_CONFORMING = {"UUID"}

# Protocols that imply Codable.
CODABLE_PROTOCOLS = {"Codable", "EventPayload"}

READ_PRIMITIVE = {
    "UUID": "reader.readUUID({w})",
    "String": "reader.readString({w})",
    "Int": "reader.readInt({w})",
    "Bool": "reader.readBool({w})",
    "Date": "reader.readDate({w})",
    "UInt64": "reader.readUnsigned(UInt64.self, {w})",
    "UInt32": "reader.readUnsigned(UInt32.self, {w})",
    "UInt16": "reader.readUnsigned(UInt16.self, {w})",
    "UInt8": "reader.readUnsigned(UInt8.self, {w})",
}

WRITE_PRIMITIVE = {
    "UUID": "writer.write(uuid: {v})",
    "String": "writer.writeString({v})",
    "Int": "writer.writeInt({v})",
    "Bool": "writer.writeBool({v})",
    "Date": "writer.writeDate({v})",
    "UInt64": "writer.writeVarint({v})",
    "UInt32": "writer.writeVarint(UInt64({v}))",
    "UInt16": "writer.writeVarint(UInt64({v}))",
    "UInt8": "writer.writeVarint(UInt64({v}))",
}


class GenError(Exception):
    pass


def strip_line(line):
    """The line without its comment and with string literals emptied (braces in them don't count)."""
    out, i, in_string = [], 0, False
    while i < len(line):
        c = line[i]
        if in_string:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                in_string = False
                out.append(c)
        elif c == '"':
            in_string = True
            out.append(c)
        elif line.startswith("//", i):
            break
        else:
            out.append(c)
        i += 1
    return "".join(out)


DECL = re.compile(r"^(?:public\s+|internal\s+)?(struct|enum)\s+(\w+)\s*(?::\s*([^{]+))?\{")
PROPERTY = re.compile(
    r"^(?:(?:public|internal|private|fileprivate)(?:\(set\))?\s+)*(static\s+)?(var|let)\s+(\w+)\s*"
    r"(?::\s*([^={]+?))?\s*(?:=\s*(.+?))?\s*(\{.*)?$")
CASE = re.compile(r"^case\s+(.+)$")


def parse_types(path):
    """The top-level structs and enums of a Swift file: name -> dict."""
    text = open(os.path.join(ROOT, path), encoding="utf-8").read()
    types, depth, current = {}, 0, None
    for number, raw in enumerate(text.splitlines(), 1):
        line = strip_line(raw).strip()
        if depth == 0:
            m = DECL.match(line)
            if m:
                kind, name, inherits = m.group(1), m.group(2), m.group(3) or ""
                current = {
                    "kind": kind, "name": name, "file": path, "line": number,
                    "inherits": [p.strip() for p in inherits.split(",") if p.strip()],
                    "public": line.startswith("public"), "fields": [], "cases": [], "custom": False,
                }
                types[name] = current
        elif depth == 1 and current is not None:
            if re.search(r"\binit\s*\(\s*from\s+decoder\b|\bfunc\s+encode\s*\(\s*to\s+encoder\b|\bCodingKeys\b", line):
                current["custom"] = True
            m = PROPERTY.match(line)
            if m and current["kind"] == "struct":
                static, binding, name, type_, default, body = m.groups()
                if not static and not body:
                    if type_ is None:
                        type_ = infer_type(default, path, number)
                    if binding == "let" and default is not None:
                        raise GenError(f"{path}:{number}: 'let {name}' has a value and is not stored by Codable; make it var or drop it")
                    current["fields"].append((name, type_.strip()))
            m = CASE.match(line)
            if m and current["kind"] == "enum":
                for case in split_top(m.group(1)):
                    cm = re.fullmatch(r'(\w+)(?:\s*=\s*"(.*)")?', case.strip())
                    if not cm:
                        current["cases"].append((case.strip(), None, False))  # associated values
                    else:
                        # The raw value from the original line (strip_line emptied the literal).
                        raw_value = cm.group(1)
                        if cm.group(2) is not None:
                            rm = re.search(r'\b' + cm.group(1) + r'\s*=\s*"((?:[^"\\]|\\.)*)"', raw)
                            raw_value = rm.group(1) if rm else None
                            if raw_value is None or "\\" in raw_value:
                                raise GenError(f"{path}:{number}: cannot read the raw value of case {cm.group(1)}")
                        current["cases"].append((cm.group(1), raw_value, True))
        depth += line.count("{") - line.count("}")
        if depth < 0:
            raise GenError(f"{path}:{number}: unbalanced braces")
        if depth == 0:
            current = None
    return types


def split_top(text):
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def infer_type(default, path, number):
    if default is None:
        raise GenError(f"{path}:{number}: a stored property needs a type or a value")
    if re.fullmatch(r"-?\d+", default):
        return "Int"
    if default in ("true", "false"):
        return "Bool"
    if re.fullmatch(r'"[^"]*"', default):
        return "String"
    raise GenError(f"{path}:{number}: cannot infer the type of '= {default}'; write it out")


def is_codable(t):
    return any(p in CODABLE_PROTOCOLS for p in t["inherits"])


def is_string_enum(t):
    return t["kind"] == "enum" and t["inherits"][:1] == ["String"] and is_codable(t)


class Generator:
    def __init__(self, known):
        self.known = known  # names of types that conform to BinaryCodable

    def check_type(self, type_, where):
        base = type_
        if base.endswith("?"):
            base = base[:-1]
        if base.startswith("[") and base.endswith("]"):
            base = base[1:-1]
        if base.endswith("?") or base.startswith("[") or ":" in base:
            raise GenError(f"{where}: type {type_} is not supported (nested optionals, arrays of optionals or arrays, dictionaries)")
        if base not in READ_PRIMITIVE and base not in self.known:
            raise GenError(f"{where}: type {base} has no BinaryCodable conformance")
        return base

    def read_expr(self, type_, what):
        if type_ in READ_PRIMITIVE:
            return READ_PRIMITIVE[type_].format(w=what)
        return f"reader.read({type_}.self, {what})"

    def write_stmt(self, type_, value):
        if type_ in WRITE_PRIMITIVE:
            return WRITE_PRIMITIVE[type_].format(v=value)
        return f"{value}.write(to: &writer)"

    def struct(self, t):
        where = f"{t['file']}:{t['line']}"
        access = "public " if t["public"] else ""
        reads, writes = [], []
        for name, type_ in t["fields"]:
            base = self.check_type(type_, f"{where} ({t['name']}.{name})")
            what = f'"{name}"'
            if type_.endswith("?"):
                reads.append(f"self.{name} = try reader.readPresence({what}) ? {self.read_expr(base, what)} : nil")
                writes += [f"if let {name} {{",
                           "    writer.write(1)",
                           f"    {self.write_stmt(base, name)}",
                           "} else {",
                           "    writer.write(0)",
                           "}"]
            elif type_.startswith("["):
                element_what = f'"{name}[\\(i)]"'
                reads += [f"let {name}Count = try reader.readCount({what})",
                          f"var {name}: [{base}] = []",
                          f"{name}.reserveCapacity({name}Count)",
                          f"for i in 0..<{name}Count {{ {name}.append(try {self.read_expr(base, element_what)}) }}",
                          f"self.{name} = {name}"]
                writes += [f"writer.writeCount({name}.count)",
                           f"for element in {name} {{ {self.write_stmt(base, 'element')} }}"]
            else:
                reads.append(f"self.{name} = try {self.read_expr(base, what)}")
                writes.append(self.write_stmt(base, name))
        if not t["fields"]:
            raise GenError(f"{where}: {t['name']} has no stored properties")
        return "\n".join([
            f"extension {t['name']}: BinaryCodable {{",
            "    /// Reads the fields in declaration order, as `BinaryDecoder` does.",
            f"    {access}init(reading reader: inout ByteReader) throws(ByteFormatError) {{",
            *("        " + line for line in reads),
            "    }",
            "",
            "    /// Writes the fields in declaration order, as `BinaryEncoder` does.",
            f"    {access}func write(to writer: inout ByteWriter) {{",
            *("        " + line for line in writes),
            "    }",
            "}",
        ])

    def enum(self, t):
        where = f"{t['file']}:{t['line']}"
        access = "public " if t["public"] else ""
        if not t["cases"] or not all(simple for _, _, simple in t["cases"]):
            raise GenError(f"{where}: {t['name']} has no cases or cases with associated values")
        branches = []
        for i, (case, raw_value, _) in enumerate(t["cases"]):
            keyword = "if" if i == 0 else "} else if"
            branches += [f'{keyword} ByteReader.equal(raw, "{raw_value}") {{', f"    self = .{case}"]
        return "\n".join([
            f"extension {t['name']}: BinaryCodable {{",
            "    /// Reads the raw value as a string; an unknown value is an error.",
            f"    {access}init(reading reader: inout ByteReader) throws(ByteFormatError) {{",
            "        let start = reader.offset",
            f'        let raw = try reader.readUTF8("a {t["name"]}")',
            *("        " + line for line in branches),
            # Swift compares strings by canonical equivalence: bytes that differ from every raw
            # value can still equal one as a String, and the Codable path would accept them.
            "        } else if let value = Self(rawValue: String(decoding: raw, as: UTF8.self)) {",
            "            self = value",
            "        } else {",
            f"            throw ByteFormatError(reason: \"unknown {t['name']} '\\(String(decoding: raw, as: UTF8.self))'\", offset: start)",
            "        }",
            "    }",
            "",
            "    /// Writes the raw value as a string.",
            f"    {access}func write(to writer: inout ByteWriter) {{ writer.writeString(rawValue) }}",
            "}",
        ])


def collect():
    """Every selected type of every output, checked."""
    selected, known = [], set(HAND_WRITTEN) | CORE_CONFORMING
    for output, imports, sources in OUTPUTS:
        types = []
        for path, only in sources:
            parsed = parse_types(path)
            for name in only or []:
                if name not in parsed:
                    raise GenError(f"{path}: no type {name}")
            for name, t in parsed.items():
                if only is not None and name not in only:
                    continue
                if t["kind"] == "struct" and is_codable(t):
                    if t["custom"]:
                        if name in HAND_WRITTEN:
                            continue
                        raise GenError(f"{path}:{t['line']}: {name} has its own Codable code; write its conformance by hand and list it in HAND_WRITTEN")
                    types.append(t)
                elif t["kind"] == "enum" and is_codable(t):
                    if name in HAND_WRITTEN:
                        continue
                    if not is_string_enum(t) or t["custom"]:
                        raise GenError(f"{path}:{t['line']}: {name} is a Codable enum without String raw values; write its conformance by hand and list it in HAND_WRITTEN")
                    types.append(t)
        known.update(t["name"] for t in types)
        selected.append((output, imports, types))
    return selected, known


def render(imports, types, generator, sources):
    header = [
        "// GENERATED by Tools/gen-binary-coding.py from " + ", ".join(sources) + ". Do not edit.",
        "// Regenerate after changing a stored property or case of these types:",
        "//     python3 Tools/gen-binary-coding.py",
        "// The bytes are those BinaryEncoder writes for the same values (see BinaryCodable).",
        "",
    ]
    body = [f"import {m}" for m in imports] + [""]
    for t in types:
        body.append(generator.struct(t) if t["kind"] == "struct" else generator.enum(t))
        body.append("")
    return "\n".join(header + body).rstrip() + "\n"


def main():
    check = "--check" in sys.argv[1:]
    try:
        selected, known = collect()
        generator = Generator(known)
        stale = []
        for (output, imports, types), (_, _, sources) in zip(selected, OUTPUTS):
            text = render(imports, types, generator, [path for path, _ in sources])
            path = os.path.join(ROOT, output)
            old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
            if old == text:
                continue
            if check:
                stale.append(output)
            else:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
                print(f"wrote {output} ({len(types)} types)")
    except GenError as error:
        print(f"gen-binary-coding: {error}", file=sys.stderr)
        return 2
    if stale:
        print("out of date (run Tools/gen-binary-coding.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
