public import Foundation
import GalleyCore

/// What a client needs to upload one object straight to storage, so the bytes never
/// pass through the gateway (`POST /emoji/upload`).
public struct UploadCredentials: Sendable, Equatable {
    /// The key the object will be stored under.
    public var objectKey: String
    /// The public URL the object will have once uploaded.
    public var imageURL: String
    /// The HTTP method to upload with (`PUT`).
    public var method: String
    /// Where to send the upload; carries its own signature and expiry.
    public var url: String
    /// Headers the upload must carry exactly (they are signed), e.g. `Content-Type`.
    public var headers: [String: String]
    /// Form fields for a POST policy upload; empty for PUT.
    public var fields: [String: String]
    /// After this moment the URL is refused.
    public var expiresAt: Date

    public init(
        objectKey: String, imageURL: String, method: String, url: String,
        headers: [String: String], fields: [String: String], expiresAt: Date
    ) {
        self.objectKey = objectKey
        self.imageURL = imageURL
        self.method = method
        self.url = url
        self.headers = headers
        self.fields = fields
        self.expiresAt = expiresAt
    }
}
