import BulkheadCore
import Crypto
import Foundation

/// An Ed25519 key that signs a tenant's checkpoints and receipts. It lives in a file outside the
/// data directory (`bulkhead keys init FILE`), so that whoever can write the data cannot sign.
///
/// ```swift
/// let key = try SigningKey.create(at: "/etc/bulkhead/signing.key")
/// print(key.keyID.hexString)
/// ```
///
/// The file is one line: `bulkhead-ed25519-v1 <64 hex digits of the 32-byte private key>`.
public struct SigningKey: Sendable {
    /// The first word of a key file.
    public static let fileTag = "bulkhead-ed25519-v1"

    /// The key is an immutable value that swift-crypto does not mark `Sendable`.
    struct Held: @unchecked Sendable { let key: Curve25519.Signing.PrivateKey }
    let held: Held
    var privateKey: Curve25519.Signing.PrivateKey { held.key }
    /// The 32 bytes of the public key (RFC 8032 encoding).
    public let publicKey: [UInt8]
    /// The key id: SHA-256 of the 32 public key bytes (``keyID(of:)``).
    public let keyID: [UInt8]

    init(_ privateKey: Curve25519.Signing.PrivateKey) {
        self.held = Held(key: privateKey)
        self.publicKey = Array(privateKey.publicKey.rawRepresentation)
        self.keyID = Self.keyID(of: publicKey)
    }

    /// The key whose 32-byte private key (RFC 8032 seed) is `raw`: for worked examples and tests.
    ///
    /// - Throws: ``SigningKeyError/unreadable(_:reason:)`` when `raw` is not 32 bytes.
    public init(rawPrivateKey raw: [UInt8]) throws {
        guard raw.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw SigningKeyError.unreadable("(raw key)", reason: "an Ed25519 private key is 32 bytes")
        }
        self.init(key)
    }

    /// The id of a public key: the 32 bytes of SHA-256 over its 32 raw bytes.
    public static func keyID(of publicKey: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: publicKey))
    }

    /// Makes a new key and writes it to `path` with mode 0600.
    ///
    /// - Throws: ``SigningKeyError/exists(_:)`` when `path` exists (a key is never overwritten);
    ///   ``SigningKeyError/unwritable(_:reason:)``.
    public static func create(at path: String) throws -> SigningKey {
        let key = SigningKey(Curve25519.Signing.PrivateKey())
        let text = "\(fileTag) \(Array(key.privateKey.rawRepresentation).hexString)\n"
        // O_EXCL: refuses an existing file (or a link) atomically; the mode is set at creation.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw SigningKeyError.exists(path) }
            throw SigningKeyError.unwritable(path, reason: String(cString: strerror(errno)))
        }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0 else {
            unlink(path)
            throw SigningKeyError.unwritable(path, reason: "the key could not be written completely")
        }
        return key
    }

    /// Reads the key in `path`.
    ///
    /// - Throws: ``SigningKeyError/unreadable(_:reason:)`` for a missing file or one that holds
    ///   no key.
    public static func load(from path: String) throws -> SigningKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SigningKeyError.unreadable(path, reason: "no such file, or not readable")
        }
        let words = String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard words.count == 2, words[0] == Substring(fileTag), let raw = [UInt8](hex: String(words[1])),
              raw.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else {
            throw SigningKeyError.unreadable(path, reason: "not a key file made by `bulkhead keys init`")
        }
        return SigningKey(key)
    }

    /// The Ed25519 signature (64 bytes) of `message`.
    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        Array(try privateKey.signature(for: message))
    }

    /// Whether `signature` is `publicKey`'s Ed25519 signature of `message`.
    public static func isValid(signature: [UInt8], of message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}

/// What is wrong with a signing key file.
public enum SigningKeyError: Error, ClassifiedError, Equatable, CustomStringConvertible, Sendable {
    /// `keys init` refuses to overwrite a file.
    case exists(String)
    /// The file could not be written.
    case unwritable(String, reason: String)
    /// The file could not be read, or holds no key.
    case unreadable(String, reason: String)

    /// One line for people.
    public var description: String {
        switch self {
        case .exists(let path): return "\(path) exists: a signing key is never overwritten"
        case .unwritable(let path, let reason): return "cannot write the signing key \(path): \(reason)"
        case .unreadable(let path, let reason): return "cannot read the signing key \(path): \(reason)"
        }
    }

    /// Its classification.
    public var failure: Failure {
        switch self {
        case .exists: return Failure(.conflict, code: "exists", message: description, field: "signing-key")
        case .unwritable: return Failure(.storage, code: "storage", message: description, field: "signing-key")
        case .unreadable: return Failure(.invalid, code: "invalid", message: description, field: "signing-key")
        }
    }
}
