import BulkheadCore
import Foundation

/// Which page of a list to answer: at most `limit` items after skipping `offset`.
///
/// The same bounds hold at every edge (`--limit`/`--offset` in the CLI, `limit`/`offset` over
/// HTTP): `limit` is 1 to ``maximumLimit`` and defaults to ``defaultLimit``; `offset` is 0 or
/// more and defaults to 0. Anything else is refused with an ``InputError`` naming the parameter.
///
/// ```swift
/// let page = try view.notes(project: id, page: PageRequest(limit: 20, offset: 40))
/// ```
public struct PageRequest: Equatable, Sendable {
    /// The page size when none is given.
    public static let defaultLimit = 50
    /// The largest page size accepted.
    public static let maximumLimit = 500

    /// The page size.
    public let limit: Int
    /// How many items come before the page.
    public let offset: Int

    /// The first page of the default size.
    public static let first = PageRequest(checkedLimit: defaultLimit, offset: 0)

    private init(checkedLimit: Int, offset: Int) {
        limit = checkedLimit
        self.offset = offset
    }

    /// A page request; `nil` takes the default.
    /// - Throws: ``InputError`` naming `limit` or `offset` when out of bounds.
    public init(limit: Int?, offset: Int?) throws {
        let limit = limit ?? Self.defaultLimit
        let offset = offset ?? 0
        guard (1...Self.maximumLimit).contains(limit) else {
            throw InputError(field: "limit", reason: "must be 1 to \(Self.maximumLimit), got \(limit)")
        }
        guard offset >= 0 else { throw InputError(field: "offset", reason: "must be 0 or more, got \(offset)") }
        self.init(checkedLimit: limit, offset: offset)
    }

    /// A page request from query-string text; `nil` takes the default.
    /// - Throws: ``InputError`` naming `limit` or `offset` when not a whole number or out of bounds.
    public init(limitText: String?, offsetText: String?) throws {
        func number(_ text: String?, _ field: String) throws -> Int? {
            guard let text else { return nil }
            guard let value = Int(text) else {
                throw InputError(field: field, reason: "'\(text)' is not a whole number")
            }
            return value
        }
        try self.init(limit: number(limitText, "limit"), offset: number(offsetText, "offset"))
    }

    /// The page of `items` (all of a list, in its order) this request asks for.
    public func slice<Item: Sendable>(_ items: [Item]) -> Page<Item> {
        let start = min(offset, items.count)
        let end = min(start + limit, items.count)
        return Page(
            items: Array(items[start..<end]), total: items.count, limit: limit, offset: offset,
            nextOffset: end < items.count ? end : nil)
    }
}

/// One page of a list, with what a client needs to ask for the next one.
///
/// ```json
/// {"items": [...], "total": 120, "limit": 50, "offset": 0, "nextOffset": 50}
/// ```
public struct Page<Item: Sendable>: Sendable {
    /// The items of this page, in the list's order.
    public var items: [Item]
    /// How many items the whole list has.
    public var total: Int
    /// The page size asked for.
    public var limit: Int
    /// How many items come before this page.
    public var offset: Int
    /// The `offset` of the next page; `nil` on the last page.
    public var nextOffset: Int?

    /// A one-line summary for people: `items 1-50 of 120; next page: offset 50`.
    public func summary(nextHint: (Int) -> String) -> String {
        let shown = items.isEmpty ? "no items" : "items \(offset + 1)-\(offset + items.count)"
        return "\(shown) of \(total)" + (nextOffset.map { "; next page: \(nextHint($0))" } ?? "")
    }
}

extension Page: Encodable where Item: Encodable {
    /// Encodes every field; `nextOffset` is `null` on the last page, so clients need not guess.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(total, forKey: .total)
        try container.encode(limit, forKey: .limit)
        try container.encode(offset, forKey: .offset)
        try container.encode(nextOffset, forKey: .nextOffset)
    }

    private enum CodingKeys: String, CodingKey { case items, total, limit, offset, nextOffset }
}

extension Page: Equatable where Item: Equatable {}
