import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyEmoji
import GalleyWebhooks

/// An emoji task as the contract shows it (`EmojiTask`).
struct EmojiTaskRecord: Sendable {
    static let selectColumns = "id, status, points_cost, result_url, error_message, created_at, completed_at"

    let id: Int64
    let status: String
    let pointsCost: Int
    let resultURL: String?
    let errorMessage: String?
    let createdAt: Date
    let completedAt: Date?

    init(row: PostgresRow) throws {
        id = try row.decode(Int64.self, "id")
        status = try row.decode(String.self, "status")
        pointsCost = try row.decode(Int.self, "points_cost")
        resultURL = try row.decode(String?.self, "result_url")
        errorMessage = try row.decode(String?.self, "error_message")
        createdAt = try row.decode(Date.self, "created_at")
        completedAt = try row.decode(Date?.self, "completed_at")
    }

    init(id: Int64, status: String, pointsCost: Int, createdAt: Date) {
        self.id = id
        self.status = status
        self.pointsCost = pointsCost
        self.resultURL = nil
        self.errorMessage = nil
        self.createdAt = createdAt
        self.completedAt = nil
    }

    var jsonValue: JSONValue {
        .object(JSONObject([
            ("id", .int(id)),
            ("status", .string(status)),
            ("points_cost", .int(Int64(pointsCost))),
            ("result_url", JSONValue(resultURL)),
            ("error_message", JSONValue(errorMessage)),
            ("created_at", .string(Timestamp.iso8601(createdAt))),
            ("completed_at", JSONValue(completedAt) { .string(Timestamp.iso8601($0)) }),
        ]))
    }
}
