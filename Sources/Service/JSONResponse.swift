import Domain
import Foundation
import HTTPTypes
import Hummingbird

/// Builds JSON responses: values encoded like the CLI's `--format json` (`EventCatalog.jsonEncoder`:
/// sorted keys, timestamps with six fractional digits), or bytes already rendered.
enum JSONResponse {
    /// The media type of every JSON body.
    static let contentType = "application/json; charset=utf-8"

    /// `value` encoded as JSON.
    static func encode(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        data(try EventCatalog.jsonEncoder.encode(value), status: status)
    }

    /// Bytes that are already JSON.
    static func data(_ data: Data, status: HTTPResponse.Status = .ok) -> Response {
        let buffer = ByteBuffer(bytes: data)
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.contentLength] = String(buffer.readableBytes)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    /// A string that is already JSON.
    static func text(_ json: String, status: HTTPResponse.Status = .ok) -> Response {
        data(Data(json.utf8), status: status)
    }
}
