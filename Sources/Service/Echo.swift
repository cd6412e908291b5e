/// Quotes what a client sent into an error message, bounded: an error never echoes more than
/// ``maxBytes`` of any input (a 60 KB header or query value is cut, and its size said instead).
///
/// ```swift
/// throw ServiceError.invalid("asOf", "\(Echo.quote(text)) is not a log position")
/// // invalid field 'asOf': 'xxxxxxxx…' (61440 bytes) is not a log position
/// ```
///
/// Every message of the service that quotes input goes through ``quote(_:)``; messages that come
/// from the library (``ServiceError/from(_:)``) are bounded as a whole by
/// ``ServiceError/maxMessageBytes``.
enum Echo {
    /// The most bytes of one input an error message quotes.
    static let maxBytes = 64

    /// `text` in single quotes: whole when it is at most ``maxBytes`` bytes, else its first
    /// characters up to that size, an ellipsis and its size. Control characters are shown as
    /// `\u{..}` escapes, so a message stays one printable line.
    static func quote(_ text: some StringProtocol) -> String {
        let total = text.utf8.count
        var shown = ""
        var bytes = 0
        var cut = false
        for scalar in text.unicodeScalars {
            let piece = scalar.properties.generalCategory == .control
                ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
            guard bytes + piece.utf8.count <= maxBytes else {
                cut = true
                break
            }
            shown += piece
            bytes += piece.utf8.count
        }
        return cut ? "'\(shown)…' (\(total) bytes)" : "'\(shown)'"
    }

    /// `message` cut to at most `limit` bytes (at a character boundary), with an ellipsis when cut.
    static func bound(_ message: String, limit: Int) -> String {
        guard message.utf8.count > limit else { return message }
        var result = ""
        var bytes = 0
        for character in message {
            let size = character.utf8.count
            guard bytes + size <= limit - 3 else { break }
            result.append(character)
            bytes += size
        }
        return result + "…"
    }
}
