import Foundation

/// Bad input at an edge: which field, and what is wrong with it.
public struct InputError: Error, ClassifiedError, Equatable, CustomStringConvertible, Sendable {
    /// The field's path, e.g. `teamA.players[2]`, or `(body)` for the document itself.
    public let field: String
    /// What is wrong.
    public let reason: String

    /// Creates the error.
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    /// `field 'x': reason`.
    public var description: String { field == "(body)" ? reason : "field '\(field)': \(reason)" }

    /// Invalid input (`invalid`), naming the field.
    public var failure: Failure { Failure(.invalid, code: "invalid", message: description, field: field) }
}

/// Decodes JSON strictly: the document must be an object; unknown fields, `null`s, wrong
/// types, missing fields and malformed values are refused with an ``InputError`` naming the field.
///
/// ```swift
/// let command = try StrictJSON.decode(CreateProject.self, from: data)
/// ```
public enum StrictJSON {
    /// Decodes `T` from `data`.
    /// - Throws: ``InputError``.
    public static func decode<T: Codable>(_ type: T.Type, from data: Data) throws -> T {
        let tree: Any
        do {
            tree = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw InputError(field: "(body)", reason: "malformed JSON: \(describe(error))")
        }
        guard tree is [String: Any] else {
            throw InputError(field: "(body)", reason: "expected a JSON object")
        }
        if let duplicate = firstDuplicateKey(data) {
            throw InputError(field: duplicate, reason: "appears twice in one object")
        }
        if let path = firstNull(in: tree, path: "") {
            throw InputError(field: path, reason: "null is not allowed; omit the field instead")
        }
        // Bulkhead's inputs hold no fractional numbers; Foundation's decoder reports one (or an
        // integer beyond 64 bits) without naming its field, so find it here.
        if let path = firstNonInteger(in: tree, path: "") {
            throw InputError(field: path, reason: "expected an integer")
        }
        let value: T
        do {
            value = try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw inputError(error)
        }
        // Every field the type knows comes back when the decoded value is encoded again; a field of
        // the input that does not is one the type does not have.
        let echoed = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value), options: [])
        if let path = firstUnknown(input: tree, known: echoed, path: "") {
            throw InputError(field: path, reason: "unknown field")
        }
        return value
    }

    /// Turns a `DecodingError` into an ``InputError`` naming the field.
    public static func inputError(_ error: DecodingError) -> InputError {
        switch error {
        case .keyNotFound(let key, let context):
            return InputError(field: path(context.codingPath + [key]), reason: "missing")
        case .typeMismatch(let type, let context):
            return InputError(field: path(context.codingPath), reason: "expected \(typeName(type))")
        case .valueNotFound(let type, let context):
            return InputError(field: path(context.codingPath), reason: "expected \(typeName(type))")
        case .dataCorrupted(let context):
            let reason = context.debugDescription.contains("UUID") ? "not a valid UUID" : context.debugDescription
            return InputError(field: path(context.codingPath), reason: reason)
        @unknown default:
            return InputError(field: "(body)", reason: "\(error)")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let index = key.intValue, key.stringValue.hasPrefix("Index") || key.stringValue == String(index) {
                out += "[\(index)]"
            } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out.isEmpty ? "(body)" : out
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type, is UInt64.Type: return "an integer"
        case is Bool.Type: return "true or false"
        case is Double.Type: return "a number"
        case is [Any].Type: return "an array"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a value of type \(name)"
        }
    }

    /// Foundation's reason why a document did not parse.
    public static func describe(_ error: any Error) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        return text ?? "the data is not valid JSON"
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    static func firstNull(in node: Any, path: String) -> String? {
        if node is NSNull { return path.isEmpty ? "(body)" : path }
        if let object = node as? [String: Any] {
            for key in object.keys.sorted() {
                if let value = object[key], let hit = firstNull(in: value, path: join(path, key)) { return hit }
            }
        } else if let array = node as? [Any] {
            for (i, value) in array.enumerated() {
                if let hit = firstNull(in: value, path: "\(path)[\(i)]") { return hit }
            }
        }
        return nil
    }

    /// The first key that appears twice in one object (JSONSerialization silently keeps the last).
    ///
    /// Keys are compared as the decoded dictionary compares them: unescaped (`"n\u0061me"` is
    /// `"name"`) and as Swift strings (canonically equivalent spellings are one key).
    public static func firstDuplicateKey(_ data: Data) -> String? {
        var stack: [(isObject: Bool, keys: Set<String>, expectingKey: Bool)] = []
        let bytes = [UInt8](data)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "{"): stack.append((true, [], true))
            case UInt8(ascii: "["): stack.append((false, [], false))
            case UInt8(ascii: "}"), UInt8(ascii: "]"): if !stack.isEmpty { stack.removeLast() }
            case UInt8(ascii: ","): if let top = stack.last, top.isObject { stack[stack.count - 1].expectingKey = true }
            case UInt8(ascii: "\""):
                var j = i + 1
                while j < bytes.count && bytes[j] != UInt8(ascii: "\"") { j += bytes[j] == UInt8(ascii: "\\") ? 2 : 1 }
                if let top = stack.last, top.isObject, top.expectingKey {
                    let key = unescapedKey(bytes[(i + 1)..<min(j, bytes.count)])
                    if !stack[stack.count - 1].keys.insert(key).inserted { return key }
                    stack[stack.count - 1].expectingKey = false
                }
                i = j
            default: break
            }
            i += 1
        }
        return nil
    }

    /// The bytes of the value of member `key` of the top-level object in `data` (a document that
    /// parsed as an object, without duplicate keys), exactly as written; `nil` when it has none.
    /// For a document that carries another one, such as an import line's command input, which is
    /// then decoded from its own bytes.
    public static func rawMember(_ key: String, in data: Data) -> Data? {
        let bytes = [UInt8](data)
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        var depth = 0, i = 0
        var atKey = false, capturing = false
        var start: Int?
        func value(to end: Int) -> Data? {
            guard let start else { return nil }
            var last = end
            while last > start, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[last - 1]) { last -= 1 }
            return Data(bytes[start..<last])
        }
        while i < bytes.count {
            let c = bytes[i]
            if c == quote {
                var j = i + 1
                while j < bytes.count && bytes[j] != quote { j += bytes[j] == backslash ? 2 : 1 }
                if depth == 1 && atKey {
                    capturing = unescapedKey(bytes[(i + 1)..<min(j, bytes.count)]) == key
                    atKey = false
                } else if depth == 1 && capturing && start == nil {
                    start = i
                }
                i = j + 1
                continue
            }
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth == 1 && capturing && start == nil { start = i }
                depth += 1
                if depth == 1 { atKey = true }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return capturing ? value(to: i) : nil }
            case UInt8(ascii: ","):
                if depth == 1 {
                    if capturing { return value(to: i) }
                    atKey = true
                }
            case UInt8(ascii: ":"), 0x20, 0x09, 0x0A, 0x0D:
                break
            default:
                if depth == 1 && capturing && start == nil { start = i }
            }
            i += 1
        }
        return nil
    }

    /// A key's text from the bytes between its quotes, with its escapes resolved.
    static func unescapedKey(_ raw: ArraySlice<UInt8>) -> String {
        guard raw.contains(UInt8(ascii: "\\")) else { return String(decoding: raw, as: UTF8.self) }
        let quoted = Data([UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")])
        // The document parsed already, so its keys do; the raw text serves if one did not.
        return (try? JSONSerialization.jsonObject(with: quoted, options: .fragmentsAllowed)) as? String ?? String(decoding: raw, as: UTF8.self)
    }

    static func firstNonInteger(in node: Any, path: String) -> String? {
        if let number = node as? NSNumber, !(node is String) {
            let kind = String(cString: number.objCType)
            if kind == "c" || kind == "B" { return nil }  // true and false
            if kind == "d" || kind == "f" {
                let value = number.doubleValue
                return value.rounded() == value && abs(value) < 9.2e18 ? nil : (path.isEmpty ? "(body)" : path)
            }
            if kind == "Q" && number.uint64Value > UInt64(Int64.max) { return path.isEmpty ? "(body)" : path }
            return nil
        }
        if let object = node as? [String: Any] {
            for key in object.keys.sorted() {
                if let value = object[key], let hit = firstNonInteger(in: value, path: join(path, key)) { return hit }
            }
        } else if let array = node as? [Any] {
            for (i, value) in array.enumerated() {
                if let hit = firstNonInteger(in: value, path: "\(path)[\(i)]") { return hit }
            }
        }
        return nil
    }

    static func firstUnknown(input: Any, known: Any, path: String) -> String? {
        if let object = input as? [String: Any] {
            let knownObject = known as? [String: Any] ?? [:]
            for key in object.keys.sorted() {
                let childPath = join(path, key)
                guard let knownChild = knownObject[key] else { return childPath }
                if let value = object[key], let hit = firstUnknown(input: value, known: knownChild, path: childPath) { return hit }
            }
        } else if let array = input as? [Any], let knownArray = known as? [Any] {
            for (i, value) in array.enumerated() where i < knownArray.count {
                if let hit = firstUnknown(input: value, known: knownArray[i], path: "\(path)[\(i)]") { return hit }
            }
        }
        return nil
    }
}
