import BulkheadCore
import Domain
import EventLog
import Foundation

/// The envelope JSON written by hand (the payload still through `EventCatalog.jsonEncoder`, the
/// rest concatenated with a string quoter): what `EnvelopeJSON.render` did before it encoded an
/// `Encodable` envelope. The `envelope` phase measures the library's form against this floor.
enum EnvelopeFloor {
    static func render(
        _ view: EventView, previousHash: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer
    ) throws -> String {
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
            ("schemaVersion", String(view.schemaVersion)),
            ("streamId", quote(view.streamID)),
            ("streamVersion", String(view.streamVersion)),
            ("type", quote(view.type)),
        ]
        if let causation = view.causationID { fields.append(("causationId", quote(causation.lowercased))) }
        fields.sort { $0.0 < $1.0 }
        return "{" + fields.map { "\(quote($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    static func quote(_ text: String) -> String {
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
