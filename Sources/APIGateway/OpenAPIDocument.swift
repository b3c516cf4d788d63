import Shared

/// The OpenAPI 3.1 description of every route (placeholder until written out).
enum OpenAPIDocument {
    static let document: JSONValue = ["openapi": "3.1.0", "info": ["title": "Galley", "version": "1"], "paths": [:]]
}
