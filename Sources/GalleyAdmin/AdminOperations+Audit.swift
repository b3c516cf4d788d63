import Foundation
import GalleyCore
import GalleyPostgres

extension AdminOperations {
    /// Writes one `admin_audit` row on `connection` (inside the caller's transaction when it
    /// is in one, so the row and the change commit together). Returns its id.
    @discardableResult
    func recordAudit(_ actor: AdminOperator, action: String, target: String, before: JSONValue?, after: JSONValue?,
                     on connection: PostgresConnection) throws -> Int64 {
        let row = try connection.query(
            """
            INSERT INTO admin_audit (actor, action, target, before, after)
            VALUES ($1, $2, $3, $4::text::jsonb, $5::text::jsonb) RETURNING id
            """,
            [actor.name, action, String(target.prefix(255)), before.map { JSONWriter.string($0) },
             after.map { JSONWriter.string($0) }])
        return try row.first?.decode(Int64.self, "id") ?? 0
    }

    /// The audit page: newest first, optionally one actor, action or target.
    public func audit(_ query: AdminAuditQuery = AdminAuditQuery(), page: AdminPageRequest = AdminPageRequest()) throws
        -> AdminPage<AdminAuditEntry> {
        let before = try AdminCursor.id(page.cursor)
        return try postgres.withConnection { connection in
            let rows = try connection.query(
                """
                SELECT id, at, actor, action, target, before::text AS before, after::text AS after FROM admin_audit
                WHERE ($1::bigint IS NULL OR id < $1::bigint)
                  AND ($2::varchar IS NULL OR actor = $2::varchar)
                  AND ($3::varchar IS NULL OR action = $3::varchar)
                  AND ($4::varchar IS NULL OR target = $4::varchar)
                ORDER BY id DESC LIMIT $5
                """, [before, query.actor, query.action, query.target, page.limit + 1])
            let entries = try rows.rows.map { row in
                AdminAuditEntry(
                    id: try row.decode(Int64.self, "id"), at: try row.decode(Date.self, "at"),
                    actor: try row.decode(String.self, "actor"), action: try row.decode(String.self, "action"),
                    target: try row.decode(String.self, "target"),
                    before: try row.decode(String?.self, "before").flatMap { try? JSONParser.parse(Array($0.utf8)) },
                    after: try row.decode(String?.self, "after").flatMap { try? JSONParser.parse(Array($0.utf8)) })
            }
            return AdminCursor.page(entries, limit: page.limit) { String($0.id) }
        }
    }
}
