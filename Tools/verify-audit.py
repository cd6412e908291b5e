#!/usr/bin/env python3
"""Checks a Bulkhead audit export without Bulkhead's code.

Written from Schemas/storage-format.md alone, with Python's standard library and, for the
Ed25519 signatures of checkpoints and receipts, PyPI's `cryptography` (Tools/install-deps.sh):

    python3 Tools/verify-audit.py EXPORT [--receipt FILE ...]
    python3 Tools/verify-audit.py --proof FILE [--trusted-key-id HEX]

EXPORT is a directory written by `bulkhead audit export` (manifest.json and events.jsonl), or a
file saved from `GET /v1/audit/export` (the event lines, then one line {"manifest": {...}}).

For every event, in order, it checks that the positions follow one another from the manifest's
range.from; that the stored bytes (base64) end with the hash the line states; that SHA-256 of the
previous hash and the record equals that hash (the chain starts from the manifest's startHash,
which must be the tenant's genesis hash when the export starts at position 1); that the record
decodes per the document (format 1 or 2, every length, the payload's fields for its type and
version, nothing left over); and that the readable envelope says exactly what the bytes say. Then
it checks the manifest: last position, head hash, counts, and the size and SHA-256 of events.jsonl.

Then the signatures: every public key's id must be SHA-256 of its 32 bytes; every checkpoint of the
manifest must name the tenant and a listed key, carry that key's valid Ed25519 signature over its
canonical bytes, and state the hash the recomputed chain has at its position; a format-2 checkpoint
must also state the Merkle root (RFC 6962, over the records) of the events up to its position, which
is recomputed when the export starts at position 1. Each --receipt FILE
(a command's JSON answer holding "receipt", or the receipt object alone) must name this tenant and
a listed key, carry a valid signature, state the chain's hash at its last position, and give the
command's own positions within the signed commit's (one signature covers a group commit). A log
rewritten from some position on with every later hash recomputed passes the chain checks, but not
a checkpoint or a receipt signed before the rewrite.

With --proof FILE (from `bulkhead audit prove` or GET /v1/audit/proof), it checks an inclusion
proof alone, without an export: the record decodes and holds the proof's position, its leaf hash and
the audit path lead (RFC 9162, section 2.1.3.2) to the checkpoint's Merkle root, the checkpoint is for
the proof's tree size and tenant, and it carries the valid signature of the proof's public key, whose
id must be SHA-256 of the key (and, with --trusted-key-id, the id the auditor trusts).

It prints what it checked, or the first thing wrong with the tenant and the position, and exits 0
when everything holds, 1 when something does not, 2 when the export cannot be read at all.
"""

import base64
import datetime
import hashlib
import json
import os
import sys
import uuid

GENESIS_PREFIX = b"bulkhead.genesis.v1"
CHECKPOINT_PREFIX_V1 = b"bulkhead.checkpoint.v1"
CHECKPOINT_PREFIX = b"bulkhead.checkpoint.v2"
RECEIPT_PREFIX = b"bulkhead.receipt.v1"
HASH_SIZE = 32
FIXED_SIZE = 60
API_KEY_SIZE = 16

ENUMS = {
    "configKey": ["teamAName", "teamBName", "heavyWinThreshold"],
    "knowledgeKind": ["codePattern", "memoryEntry", "workflowInsight", "consolidationPattern"],
    "analysisTrigger": ["manual", "projectSync"],
    "modelFeature": ["docsPipeline", "refactor", "discussions", "enrichment"],
}

TEAM_SHEET = [("name", "text"), ("players", ("list", "uuid")), ("score", "integer")]
GOAL_TALLY = [("playerId", "uuid"), ("goals", "integer")]
MATCH = [("matchId", "uuid"), ("seasonId", "uuid"), ("date", "date"), ("teamA", ("record", TEAM_SHEET)),
         ("teamB", ("record", TEAM_SHEET)), ("goals", ("list", ("record", GOAL_TALLY)))]

# (type, schema version) -> the payload's fields in order: storage-format.md, "The fields of each event".
PAYLOADS = {
    ("tenant.userAdded", 1): [("userId", "uuid"), ("email", "text"), ("displayName", "text")],
    ("tenant.userRemoved", 1): [("userId", "uuid"), ("email", "text")],
    ("tenant.configSet", 1): [("key", ("enum", "configKey")), ("value", "configValue")],
    ("tenant.apiKeyIssued", 1): [("keyId", "uuid"), ("keyHash", "text"), ("label", "text")],
    ("tenant.apiKeyRevoked", 1): [("keyId", "uuid")],
    ("tenant.modelPreferenceSet", 1): [("feature", ("enum", "modelFeature")), ("provider", "text"),
                                       ("model", "text")],
    ("project.created", 1): [("projectId", "uuid"), ("name", "text"), ("githubRepository", ("optional", "text"))],
    ("project.created", 2): [("projectId", "uuid"), ("name", "text"), ("githubRepository", ("optional", "text")),
                             ("scanPath", "text")],
    ("project.updated", 1): [("projectId", "uuid"), ("name", "text"), ("githubRepository", ("optional", "text")),
                             ("scanPath", "text")],
    ("project.deleted", 1): [("projectId", "uuid")],
    ("project.sourceImported", 1): [("projectId", "uuid"), ("sourceId", "uuid"), ("repository", "text"),
                                    ("path", "text")],
    ("note.created", 1): [("projectId", "uuid"), ("noteId", "uuid"), ("title", "text"), ("body", "text")],
    ("blog.published", 1): [("projectId", "uuid"), ("postId", "uuid"), ("title", "text"), ("body", "text")],
    ("blog.updated", 1): [("projectId", "uuid"), ("postId", "uuid"), ("title", "text"), ("body", "text")],
    ("blog.deleted", 1): [("projectId", "uuid"), ("postId", "uuid")],
    ("knowledge.recorded", 1): [("projectId", "uuid"), ("entryId", "uuid"), ("kind", ("enum", "knowledgeKind")),
                                ("content", "text")],
    ("analysis.started", 1): [("runId", "uuid"), ("projectId", "uuid"), ("trigger", ("enum", "analysisTrigger"))],
    ("analysis.completed", 1): [("runId", "uuid"), ("projectId", "uuid")],
    ("analysis.failed", 1): [("runId", "uuid"), ("projectId", "uuid"), ("reason", "text")],
    ("analysis.expired", 1): [("runId", "uuid"), ("projectId", "uuid"), ("startedAt", "timestamp")],
    ("sync.started", 1): [("syncId", "uuid"), ("projectId", "uuid"), ("previousSyncId", ("optional", "uuid"))],
    ("sync.completed", 1): [("syncId", "uuid"), ("projectId", "uuid")],
    ("sync.failed", 1): [("syncId", "uuid"), ("projectId", "uuid"), ("reason", "text")],
    ("sync.orphaned", 1): [("syncId", "uuid"), ("projectId", "uuid"), ("startedAt", "timestamp")],
    ("season.defined", 1): [("seasonId", "uuid"), ("name", "text"), ("startDate", "date"), ("endDate", "date")],
    ("player.registered", 1): [("playerId", "uuid"), ("name", "text")],
    ("match.recorded", 1): MATCH,
    ("match.corrected", 1): MATCH,
    ("match.deleted", 1): [("matchId", "uuid"), ("seasonId", "uuid")],
}


class Broken(Exception):
    """The first thing wrong: at a position (or None for the export as a whole)."""

    def __init__(self, position, reason):
        super().__init__(reason)
        self.position = position
        self.reason = reason


class Reader:
    """Reads the document's primitives from bytes, failing with the field's name."""

    def __init__(self, data, what):
        self.data = data
        self.offset = 0
        self.what = what

    def take(self, count, field):
        if count > len(self.data) - self.offset:
            raise ValueError(f"{self.what}: {field} needs {count} bytes, {len(self.data) - self.offset} left")
        chunk = self.data[self.offset:self.offset + count]
        self.offset += count
        return chunk

    def u8(self, field):
        return self.take(1, field)[0]

    def big_endian(self, size, field):
        return int.from_bytes(self.take(size, field), "big")

    def varint(self, field):
        value, shift = 0, 0
        while True:
            if shift > 63:
                raise ValueError(f"{self.what}: {field}: varint longer than 10 bytes")
            byte = self.u8(field)
            value |= (byte & 0x7F) << shift
            if byte & 0x80 == 0:
                return value
            shift += 7

    def zigzag(self, field):
        n = self.varint(field)
        if n >= 1 << 64:
            raise ValueError(f"{self.what}: {field}: integer beyond 64 bits")
        return (n >> 1) ^ -(n & 1)

    def length_prefixed(self, field):
        return self.take(self.varint(field), field)

    def text(self, field):
        raw = self.length_prefixed(field)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{self.what}: {field} is not valid UTF-8") from None

    def uuid(self, field):
        return str(uuid.UUID(bytes=self.take(16, field)))

    def at_end(self):
        return self.offset == len(self.data)


def timestamp(micros):
    """`YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC, six fractional digits, as the document says."""
    moment = datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=micros)
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:"
            f"{moment.second:02d}.{moment.microsecond:06d}Z")


def read_value(reader, kind, field):
    if kind == "uuid":
        return reader.uuid(field)
    if kind == "text":
        return reader.text(field)
    if kind == "integer":
        return reader.zigzag(field)
    if kind == "timestamp":
        return timestamp(reader.zigzag(field))
    if kind == "date":
        text = reader.text(field)
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{reader.what}: {field}: '{text}' is not a date YYYY-MM-DD") from None
        if len(text) != 10:
            raise ValueError(f"{reader.what}: {field}: '{text}' is not 10 bytes YYYY-MM-DD")
        return text
    if kind == "configValue":
        text = reader.text(field + ".text") if presence(reader, field + ".text") else None
        integer = reader.zigzag(field + ".integer") if presence(reader, field + ".integer") else None
        if (text is None) == (integer is None):
            raise ValueError(f"{reader.what}: {field} needs exactly one of text and integer")
        return {"text": text} if text is not None else {"integer": integer}
    tag = kind[0]
    if tag == "enum":
        name = reader.text(field)
        if name not in ENUMS[kind[1]]:
            raise ValueError(f"{reader.what}: {field}: '{name}' is not a {kind[1]}")
        return name
    if tag == "optional":
        return read_value(reader, kind[1], field) if presence(reader, field) else None
    if tag == "list":
        count = reader.big_endian(4, field + " count")
        if count > len(reader.data) - reader.offset:
            raise ValueError(f"{reader.what}: {field}: count {count} exceeds the bytes left")
        return [read_value(reader, kind[1], f"{field}[{i}]") for i in range(count)]
    if tag == "record":
        return read_fields(reader, kind[1], field + ".")
    raise ValueError(f"unknown field type {kind!r}")


def presence(reader, field):
    byte = reader.u8(field + " presence")
    if byte > 1:
        raise ValueError(f"{reader.what}: {field}: presence byte {byte}, not 0 or 1")
    return byte == 1


def read_fields(reader, fields, prefix=""):
    result = {}
    for name, kind in fields:
        value = read_value(reader, kind, prefix + name)
        if value is not None:  # an absent optional is omitted from the JSON form
            result[name] = value
    return result


def decode_payload(event_type, version, payload):
    fields = PAYLOADS.get((event_type, version))
    if fields is None:
        raise ValueError(f"no payload layout for {event_type} version {version}")
    reader = Reader(payload, f"{event_type} v{version} payload")
    value = read_fields(reader, fields)
    if not reader.at_end():
        raise ValueError(f"{event_type} v{version} payload: {len(payload) - reader.offset} bytes left over")
    if (event_type, version) == ("project.created", 1):
        value["scanPath"] = ""  # shown in the current version: scanPath "" is the repository root
    return value


def decode_record(record):
    """The record's fields per "The record", or ValueError."""
    r = Reader(record, "record")
    fmt = r.u8("format")
    if fmt not in (1, 2):
        raise ValueError(f"unknown record format {fmt}")
    if fmt == 2:
        if len(record) < FIXED_SIZE + API_KEY_SIZE:
            raise ValueError("format-2 record too short for its API key id")
        r = Reader(record[:-API_KEY_SIZE], "record")
        r.u8("format")
    e = {"format": fmt}
    e["position"] = r.big_endian(8, "position")
    e["streamVersion"] = r.big_endian(8, "stream version")
    e["eventId"] = r.uuid("event id")
    micros = r.big_endian(8, "recorded at")
    if micros >= 1 << 63:
        micros -= 1 << 64
    e["recordedAt"] = timestamp(micros)
    e["schemaVersion"] = r.big_endian(2, "schema version")
    e["correlationId"] = r.uuid("correlation id")
    flag = r.u8("causation flag")
    if flag not in (0, 1):
        raise ValueError(f"causation flag {flag}, not 0 or 1")
    if flag == 1:
        e["causationId"] = r.uuid("causation id")
    e["type"] = r.text("event type")
    e["streamId"] = r.text("stream id")
    e["actor"] = r.text("actor")
    e["payloadBytes"] = r.length_prefixed("payload")
    if not r.at_end():
        raise ValueError(f"{len(r.data) - r.offset} bytes after the payload")
    if fmt == 2:
        e["apiKeyId"] = str(uuid.UUID(bytes=record[-API_KEY_SIZE:]))
    return e


def compare_envelope(decoded, envelope, previous_hex, hash_hex):
    expected = {k: v for k, v in decoded.items() if k not in ("format", "payloadBytes")}
    expected["previousHash"] = previous_hex
    expected["hash"] = hash_hex
    expected["payload"] = decode_payload(decoded["type"], decoded["schemaVersion"], decoded["payloadBytes"])
    if not isinstance(envelope, dict):
        raise ValueError("the envelope is not a JSON object")
    for key in sorted(set(expected) | set(envelope)):
        if key not in envelope:
            raise ValueError(f"the envelope lacks '{key}' that the stored bytes hold")
        if key not in expected:
            raise ValueError(f"the envelope has '{key}' that the stored bytes do not hold")
        if expected[key] != envelope[key] or type(expected[key]) is not type(envelope[key]):
            raise ValueError(f"the envelope's '{key}' is {json.dumps(envelope[key])[:200]}, "
                             f"the stored bytes say {json.dumps(expected[key])[:200]}")


def load(path):
    """The manifest and a function that yields the event lines (bytes, with their newlines), read
    as a stream so that a long export needs little memory."""
    if os.path.isdir(path):
        with open(os.path.join(path, "manifest.json"), "rb") as f:
            manifest = json.loads(f.read())
        events = os.path.join(path, "events.jsonl")

        def lines():
            with open(events, "rb") as f:
                yield from f
        return manifest, lines
    # One file from GET /v1/audit/export: the event lines, then {"manifest": ...}. A first pass
    # finds the last line; the second yields every line before it.
    count, last = 0, None
    with open(path, "rb") as f:
        for line in f:
            count, last = count + 1, line
    if last is None:
        raise ValueError(f"{path} is empty")
    final = json.loads(last)
    if not isinstance(final, dict) or "manifest" not in final:
        raise ValueError(f"{path}: the last line is not {{\"manifest\": ...}}: the export is incomplete")

    def lines():
        with open(path, "rb") as f:
            for number, line in enumerate(f, start=1):
                if number == count:
                    return
                yield line
    return final["manifest"], lines


def u64(n):
    return (n & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")


def ed25519_valid(public_key, signature, message):
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        raise Unreadable("checking signatures needs PyPI's cryptography: run Tools/install-deps.sh "
                         "(or python3 -m pip install cryptography)") from None
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False


class Unreadable(Exception):
    """Something needed to check the export is missing (exit 2)."""


def public_keys(manifest):
    keys = {}
    for entry in manifest.get("publicKeys", []):
        public = bytes.fromhex(entry["publicKey"])
        if entry.get("algorithm") != "Ed25519" or len(public) != 32:
            raise Broken(None, f"public key {entry.get('keyId')} is not a 32-byte Ed25519 key")
        if hashlib.sha256(public).hexdigest() != entry["keyId"]:
            raise Broken(None, f"public key {entry['keyId']}: its id is not SHA-256 of the key")
        keys[entry["keyId"]] = public
    return keys


def check_signed(kind, position, statement, message, keys):
    key = keys.get(statement.get("keyId"))
    if key is None:
        raise Broken(position, f"{kind} signed with key {statement.get('keyId')}, which the manifest does not list")
    if not ed25519_valid(key, bytes.fromhex(statement["signature"]), message):
        raise Broken(position, f"{kind}: the Ed25519 signature does not verify")


def check_checkpoints(manifest, hashes, roots, keys, tenant):
    first, last = manifest["range"]["from"], manifest["range"]["to"]
    for cp in manifest.get("checkpoints", []):
        position = cp["position"]
        where = f"checkpoint at position {position}"
        if cp["tenant"] != tenant:
            raise Broken(position, f"{where} names tenant {cp['tenant']}")
        check_signed(where, position, cp, checkpoint_message(cp), keys)
        if not first <= position <= last:
            raise Broken(position, f"{where} is outside the export's range {first} to {last}")
        if hashes[position] != cp["headHash"]:
            raise Broken(position, f"{where} signed hash {cp['headHash']} but the chain has {hashes[position]}: "
                                   "the log was rewritten from this position or before")
        if "merkleRoot" in cp and position in roots and roots[position] != cp["merkleRoot"]:
            raise Broken(position, f"{where} signed Merkle root {cp['merkleRoot']} but the events give "
                                   f"{roots[position]}")


def checkpoint_message(cp):
    """The signed bytes of a checkpoint: format 2 with its Merkle root, format 1 without."""
    body = (uuid.UUID(cp["tenant"]).bytes + u64(cp["position"]) + bytes.fromhex(cp["headHash"])
            + u64(cp["timeMicros"]) + bytes.fromhex(cp["keyId"]))
    if "merkleRoot" in cp:
        return CHECKPOINT_PREFIX + body + bytes.fromhex(cp["merkleRoot"])
    return CHECKPOINT_PREFIX_V1 + body


def leaf_hash(record):
    return hashlib.sha256(b"\x00" + record).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleFrontier:
    """The roots of the complete subtrees of a tree grown leaf by leaf (RFC 6962's MTH)."""

    def __init__(self):
        self.subtrees = []  # (height, hash), largest first

    def append(self, leaf):
        self.subtrees.append((0, leaf))
        while len(self.subtrees) >= 2 and self.subtrees[-1][0] == self.subtrees[-2][0]:
            (height, right), (_, left) = self.subtrees.pop(), self.subtrees.pop()
            self.subtrees.append((height + 1, node_hash(left, right)))

    def root(self):
        acc = self.subtrees[-1][1]
        for _, subtree in reversed(self.subtrees[:-1]):
            acc = node_hash(subtree, acc)
        return acc


def root_from_path(leaf_index, tree_size, leaf, path):
    """RFC 9162, section 2.1.3.2: the root an inclusion path leads to, or None."""
    if leaf_index >= tree_size:
        return None
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_proof(proof, out, trusted_key_id=None):
    """Checks one inclusion proof on its own (see --proof)."""
    position, tree_size = proof["position"], proof["treeSize"]
    cp, key = proof["checkpoint"], proof["publicKey"]
    if proof["leafIndex"] != position - 1:
        raise Broken(position, f"leafIndex {proof['leafIndex']} is not position - 1")
    try:
        record = base64.b64decode(proof["record"], validate=True)
    except ValueError as error:
        raise Broken(position, f"the record is not base64: {error}") from None
    try:
        decoded = decode_record(record)
    except ValueError as error:
        raise Broken(position, f"the record does not decode: {error}") from None
    if decoded["position"] != position:
        raise Broken(position, f"the record is the event at position {decoded['position']}")
    if cp["tenant"] != proof["tenant"] or cp["position"] != tree_size or "merkleRoot" not in cp:
        raise Broken(position, f"the checkpoint (tenant {cp['tenant']}, position {cp['position']}) is not a "
                               f"format-2 checkpoint of tenant {proof['tenant']} at tree size {tree_size}")
    public = bytes.fromhex(key["publicKey"])
    if hashlib.sha256(public).hexdigest() != key["keyId"] or key["keyId"] != cp["keyId"]:
        raise Broken(position, f"the public key's id {key['keyId']} is not SHA-256 of the key, or not the "
                               f"checkpoint's key id {cp['keyId']}")
    if trusted_key_id is not None and key["keyId"] != trusted_key_id:
        raise Broken(position, f"the checkpoint is signed by key {key['keyId']}, not the trusted {trusted_key_id}")
    if not ed25519_valid(public, bytes.fromhex(cp["signature"]), checkpoint_message(cp)):
        raise Broken(position, "the checkpoint's Ed25519 signature does not verify")
    path = [bytes.fromhex(h) for h in proof["auditPath"]]
    root = root_from_path(position - 1, tree_size, leaf_hash(record), path)
    if root is None or root.hex() != cp["merkleRoot"]:
        raise Broken(position, f"the audit path leads to {root.hex() if root else 'no root'}, the checkpoint "
                               f"signed Merkle root {cp['merkleRoot']}: the event is not the one that was logged")
    out.write(f"tenant {proof['tenant']}: inclusion proof OK\n")
    out.write(f"  event at position {position}: {decoded['type']} on stream {decoded['streamId']}, "
              f"recorded {decoded['recordedAt']} by {decoded['actor']}, id {decoded['eventId']}\n")
    out.write(f"  leaf SHA-256(00 | record) and {len(path)} path hashes lead to the Merkle root "
              f"{cp['merkleRoot']} of the first {tree_size} events\n")
    out.write(f"  checkpoint at position {tree_size} signed by key {key['keyId']} "
              f"({'the trusted key' if trusted_key_id else 'compare it with the key ids the operator publishes'})\n")


def load_receipt(path):
    with open(path, "rb") as f:
        document = json.loads(f.read())
    if isinstance(document, dict) and isinstance(document.get("receipt"), dict):
        return document["receipt"]
    if isinstance(document, dict) and "signature" in document:
        return document
    raise ValueError(f"{path} holds no receipt")


def check_receipt(path, receipt, manifest, hashes, keys, tenant):
    position = receipt["lastPosition"]
    where = f"receipt {path} (positions {receipt['firstPosition']} to {position})"
    if receipt["tenant"] != tenant:
        raise Broken(position, f"{where} is tenant {receipt['tenant']}'s, not this tenant's")
    message = (RECEIPT_PREFIX + uuid.UUID(receipt["tenant"]).bytes + u64(receipt["firstPosition"]) + u64(position)
               + bytes.fromhex(receipt["headHash"]) + u64(receipt["recordedAtMicros"])
               + bytes.fromhex(receipt["keyId"]))
    check_signed(where, position, receipt, message, keys)
    first, last = manifest["range"]["from"], manifest["range"]["to"]
    if not first <= receipt["firstPosition"] <= position <= last:
        raise Broken(position, f"{where} is outside the export's range {first} to {last}")
    # The command's own positions (not signed) must lie within the signed commit's; receipts made
    # before group commits were signed together have none: the command is the whole range.
    own = (receipt.get("commandFirstPosition", receipt["firstPosition"]),
           receipt.get("commandLastPosition", position))
    if not receipt["firstPosition"] <= own[0] <= own[1] <= position:
        raise Broken(position, f"{where}: the command's positions {own[0]} to {own[1]} are not within the "
                               "signed commit's")
    if hashes[position] != receipt["headHash"]:
        raise Broken(position, f"{where} signed hash {receipt['headHash']} but the chain has {hashes[position]}: "
                               "the log was rewritten from this position or before")


def verify(manifest, lines, out, receipts=()):
    tenant = manifest["tenant"]["id"]
    wanted = {cp.get("position") for cp in manifest.get("checkpoints", [])}
    wanted |= {r.get("lastPosition") for _, r in receipts}
    hashes = {}
    if manifest.get("exportFormat") != 1:
        raise Broken(None, f"export format {manifest.get('exportFormat')} is not 1")
    first, last = manifest["range"]["from"], manifest["range"]["to"]
    previous = bytes.fromhex(manifest["startHash"])
    genesis = hashlib.sha256(GENESIS_PREFIX + uuid.UUID(tenant).bytes).digest()
    if first == 1 and previous != genesis:
        raise Broken(1, f"startHash {manifest['startHash']} is not the tenant's genesis hash {genesis.hex()}")
    formats = {1: 0, 2: 0}
    expected = first
    # The Merkle roots at format-2 checkpoints' positions need every event from position 1.
    frontier = MerkleFrontier() if first == 1 else None
    wanted_roots = {cp.get("position") for cp in manifest.get("checkpoints", []) if "merkleRoot" in cp}
    roots = {}
    body_hash, body_bytes = hashlib.sha256(), 0
    for number, raw in enumerate(lines(), start=1):
        body_hash.update(raw)
        body_bytes += len(raw)
        try:
            line = json.loads(raw)
        except ValueError as error:
            raise Broken(expected, f"line {number} is not JSON: {error}") from None
        if line.get("position") != expected:
            raise Broken(expected, f"line {number} holds position {line.get('position')}, expected {expected} "
                                   "(an event removed, added or reordered)")
        try:
            stored = base64.b64decode(line["stored"], validate=True)
        except (KeyError, ValueError) as error:
            raise Broken(expected, f"stored bytes are not base64: {error}") from None
        if len(stored) < FIXED_SIZE + HASH_SIZE:
            raise Broken(expected, f"stored value of {len(stored)} bytes is shorter than a record and its hash")
        record, stored_hash = stored[:-HASH_SIZE], stored[-HASH_SIZE:]
        if line.get("hash") != stored_hash.hex():
            raise Broken(expected, f"the line's hash {line.get('hash')} is not the stored hash {stored_hash.hex()}")
        computed = hashlib.sha256(previous + record).digest()
        if computed != stored_hash:
            raise Broken(expected, f"SHA-256(previous hash | record) is {computed.hex()}, the stored hash is "
                                   f"{stored_hash.hex()}: the record or its predecessor was changed")
        try:
            decoded = decode_record(record)
            if decoded["position"] != expected:
                raise ValueError(f"the record says position {decoded['position']}")
            compare_envelope(decoded, line.get("envelope"), previous.hex(), stored_hash.hex())
        except ValueError as error:
            raise Broken(expected, str(error)) from None
        formats[decoded["format"]] += 1
        previous = stored_hash
        if expected in wanted:
            hashes[expected] = stored_hash.hex()
        if frontier is not None:
            frontier.append(leaf_hash(record))
            if expected in wanted_roots:
                roots[expected] = frontier.root().hex()
        expected += 1
    count = expected - first
    if expected - 1 != last:
        raise Broken(expected if expected <= last else last,
                     f"the export ends at position {expected - 1}, the manifest says {last}")
    if previous.hex() != manifest["headHash"]:
        raise Broken(last, f"the last hash {previous.hex()} is not the manifest's headHash {manifest['headHash']}")
    counts = manifest["counts"]
    if (counts["events"], counts["recordFormat1"], counts["recordFormat2"]) != (count, formats[1], formats[2]):
        raise Broken(None, f"the manifest counts {counts}, the export holds {count} events "
                           f"({formats[1]} format 1, {formats[2]} format 2)")
    head = manifest["tenantHead"]
    if head["position"] < last or (head["position"] == last and head["hash"] != manifest["headHash"]):
        raise Broken(last, f"the manifest's tenantHead {head} contradicts its range and headHash")
    described = manifest["files"]["events.jsonl"]
    digest = body_hash.hexdigest()
    if described["bytes"] != body_bytes or described["sha256"] != digest:
        raise Broken(None, f"events.jsonl is {body_bytes} bytes with SHA-256 {digest}; the manifest says "
                           f"{described['bytes']} bytes with {described['sha256']}")
    keys = public_keys(manifest)
    check_checkpoints(manifest, hashes, roots, keys, tenant)
    for path, receipt in receipts:
        check_receipt(path, receipt, manifest, hashes, keys, tenant)
    out.write(f"tenant {tenant} ({manifest['tenant'].get('slug')}): OK\n")
    out.write(f"  checked positions {first} to {last}: {count} events "
              f"({formats[1]} in record format 1, {formats[2]} in record format 2)\n")
    out.write("  each: position in sequence, stored hash = SHA-256(previous hash | record), record and payload "
              "decoded per Schemas/storage-format.md, envelope equal to the decoded bytes\n")
    out.write(f"  chain from {'the genesis hash' if first == 1 else 'startHash'} {manifest['startHash']}\n")
    out.write(f"  head {previous.hex()} (manifest headHash agrees; tenant head at export: "
              f"position {head['position']})\n")
    out.write(f"  events.jsonl: {body_bytes} bytes, SHA-256 {digest} as the manifest says\n")
    checkpoints = manifest.get("checkpoints", [])
    out.write(f"  public keys: {len(keys)} ({', '.join(k[:16] for k in sorted(keys)) or 'none'}), each id = "
              "SHA-256 of the key\n")
    if checkpoints:
        out.write(f"  checkpoints: {len(checkpoints)} (positions {', '.join(str(c['position']) for c in checkpoints)})"
                  ", each signature valid and its hash the chain's\n")
        if roots:
            out.write(f"  Merkle roots: {len(roots)} format-2 checkpoints state the root the events give\n")
        elif wanted_roots:
            out.write(f"  Merkle roots: not recomputed (the export starts at position {first}; the tree needs "
                      "every event from 1)\n")
    else:
        out.write("  checkpoints: none in this export (nothing was signed): a rewritten and re-hashed suffix "
                  "cannot be told from the original\n")
    for path, receipt in receipts:
        out.write(f"  receipt {path}: positions {receipt['firstPosition']} to {receipt['lastPosition']}, "
                  "signature valid and its hash the chain's\n")
    return previous.hex()


def main_proof(args):
    trusted = None
    if "--trusted-key-id" in args:
        at = args.index("--trusted-key-id")
        if at + 1 >= len(args):
            sys.stderr.write(__doc__)
            return 2
        trusted, args = args[at + 1].lower(), args[:at] + args[at + 2:]
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    try:
        with open(args[1], "rb") as f:
            proof = json.loads(f.read())
        tenant = proof["tenant"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        sys.stderr.write(f"verify-audit: cannot read the proof {args[1]}: {error}\n")
        return 2
    try:
        verify_proof(proof, sys.stdout, trusted)
    except Unreadable as error:
        sys.stderr.write(f"verify-audit: {error}\n")
        return 2
    except Broken as broken:
        where = f" at position {broken.position}" if broken.position is not None else ""
        sys.stdout.write(f"tenant {tenant}: FAILED{where}: {broken.reason}\n")
        return 1
    except (KeyError, TypeError, ValueError) as error:
        sys.stdout.write(f"tenant {tenant}: FAILED: the proof is malformed: {error!r}\n")
        return 1
    return 0


def main(argv):
    args = argv[1:]
    if args and args[0] == "--proof":
        return main_proof(args)
    receipt_paths = []
    if "--receipt" in args:
        at = args.index("--receipt")
        receipt_paths, args = args[at + 1:], args[:at]
    if len(args) != 1 or args[0] in ("-h", "--help") or ("--receipt" in argv and not receipt_paths):
        sys.stderr.write(__doc__)
        return 2
    try:
        manifest, lines = load(args[0])
        tenant = manifest["tenant"]["id"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        sys.stderr.write(f"verify-audit: cannot read the export {args[0]}: {error}\n")
        return 2
    try:
        receipts = [(path, load_receipt(path)) for path in receipt_paths]
    except (OSError, ValueError) as error:
        sys.stderr.write(f"verify-audit: cannot read a receipt: {error}\n")
        return 2
    try:
        verify(manifest, lines, sys.stdout, receipts)
    except Unreadable as error:
        sys.stderr.write(f"verify-audit: {error}\n")
        return 2
    except Broken as broken:
        where = f" at position {broken.position}" if broken.position is not None else ""
        sys.stdout.write(f"tenant {tenant}: FAILED{where}: {broken.reason}\n")
        return 1
    except (KeyError, TypeError, ValueError) as error:
        sys.stdout.write(f"tenant {tenant}: FAILED: the manifest or a receipt is malformed: {error!r}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
