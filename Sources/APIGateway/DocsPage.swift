import Shared

/// The `/api/v1/docs` page (placeholder).
enum DocsPage {
    static let html = "<!doctype html><title>Galley API</title>"
}
