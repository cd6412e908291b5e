import BulkheadCore
import Domain
import EventLog
import Foundation

/// The JSON form of an event envelope (`Schemas/envelope.schema.json`): what audit replays, the
/// CLI and the HTTP feed show.
public enum EnvelopeJSON {
    /// One envelope as a JSON object with sorted keys; the payload is decoded (and upcast) by the
    /// event catalogue.
    ///
    /// - Throws: ``EventDecodingError`` when the payload cannot be read.
    public static func render(_ view: EventView, previousHash: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer) throws -> String {
        let event = try EventCatalog.decode(type: view.type, schemaVersion: view.schemaVersion, payload: view.payload)
        let payload = String(decoding: try event.jsonPayload(), as: UTF8.self)
        var fields: [(String, String)] = [
            ("actor", quote(view.actor)),
            ("correlationId", quote(view.correlationID.lowercased)),
            ("eventId", quote(view.eventID.lowercased)),
            ("hash", quote(Array(hash).hexString)),
            ("payload", payload),
            ("position", String(view.position)),
            ("previousHash", quote(Array(previousHash).hexString)),
            ("recordedAt", quote(Timestamp.format(view.recordedAt))),
            // The stored schema version: an upcast payload shows the current shape, and this
            // field still says which version was written.
            ("schemaVersion", String(view.schemaVersion)),
            ("streamId", quote(view.streamID)),
            ("streamVersion", String(view.streamVersion)),
            ("type", quote(view.type)),
        ]
        if let causation = view.causationID { fields.append(("causationId", quote(causation.lowercased))) }
        // Only events that came over HTTP carry one (record format 2); the others omit the field.
        if let apiKey = view.apiKeyID { fields.append(("apiKeyId", quote(apiKey.lowercased))) }
        fields.sort { $0.0 < $1.0 }
        return "{" + fields.map { "\(quote($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    /// A JSON string literal.
    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
