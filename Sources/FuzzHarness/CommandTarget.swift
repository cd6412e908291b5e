import BulkheadCore
import Domain
import Foundation

/// How far an input got through the command decoder.
public enum CommandOutcome: String, Sendable {
    /// The name is not a command's: `CommandError.unknownCommand`.
    case unknownCommand
    /// The body was refused: `CommandError.invalid` naming a field.
    case refused
    /// The body decoded into the command, which round-tripped through its JSON form.
    case decoded
}

extension FuzzTargets {
    /// The command decoder: the input is a command name, a newline and a JSON body (the name alone,
    /// with an empty body, when there is no newline), decoded by `CommandCatalog.decode` (strict
    /// JSON: unknown fields, nulls, duplicates, wrong types refused), as the CLI and the HTTP
    /// service do. A decoded command is encoded to JSON, which must decode again and encode to the
    /// same bytes.
    @discardableResult
    public static func command(_ input: UnsafeRawBufferPointer) throws(FuzzFailure) -> CommandOutcome {
        let newline = input.firstIndex(of: UInt8(ascii: "\n")) ?? input.count
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: input[..<newline]), as: UTF8.self)
        let body = newline < input.count ? Data(UnsafeRawBufferPointer(rebasing: input[(newline + 1)...])) : Data()
        let command: any Command
        do {
            command = try CommandCatalog.decode(name: name, json: body)
        } catch let error as CommandError {
            switch error {
            case .unknownCommand(let unknown, _):
                guard !CommandCatalog.names.contains(unknown) else { throw FuzzFailure("'\(unknown)' is a command but was reported unknown") }
                return .unknownCommand
            case .invalid(_, let reason):
                // The field may be empty: an unknown key "" is reported as itself.
                guard !reason.isEmpty else { throw FuzzFailure("a refusal gives no reason: \(error)") }
                return .refused
            default:
                throw FuzzFailure("decoding reported a decision's error: \(error)")
            }
        } catch {
            throw FuzzFailure("decoding threw an untyped \(type(of: error)): \(error)")
        }
        guard type(of: command).name == name else { throw FuzzFailure("'\(name)' decoded as \(type(of: command).name)") }
        let json = try encode(command)
        let again: any Command
        do {
            again = try CommandCatalog.decode(name: name, json: json)
        } catch {
            throw FuzzFailure("the JSON form of a decoded \(name) is refused: \(error); \(String(decoding: json, as: UTF8.self))")
        }
        let jsonAgain = try encode(again)
        guard jsonAgain == json else {
            throw FuzzFailure("\(name) changed in a round trip: \(String(decoding: json, as: UTF8.self)) vs \(String(decoding: jsonAgain, as: UTF8.self))")
        }
        return .decoded
    }

    static func encode(_ command: any Command) throws(FuzzFailure) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(command)
        } catch {
            throw FuzzFailure("a decoded \(type(of: command).name) does not encode: \(error)")
        }
    }
}
