import GalleyCore

/// One part of a `multipart/form-data` body: a text field or an uploaded file.
public struct HTTPFormPart: Sendable, Equatable {
    /// The field name from `Content-Disposition: form-data; name="..."`.
    public var name: String
    /// The client's file name, for file parts.
    public var filename: String?
    /// The part's own `Content-Type`, when the client sent one.
    public var contentType: String?
    /// The part's bytes exactly as sent.
    public var data: [UInt8]

    public init(name: String, filename: String? = nil, contentType: String? = nil, data: [UInt8] = []) {
        self.name = name
        self.filename = filename
        self.contentType = contentType
        self.data = data
    }

    /// The data as text (invalid UTF-8 repaired), for ordinary form fields.
    public var text: String { String(decoding: data, as: UTF8.self) }
}
