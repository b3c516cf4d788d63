import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks


/// One stream entry waiting in the `outbox` table: written in the same transaction as
/// the row it points at, sent to Redis after commit (or later by the relay).
struct OutboxEntry: Sendable {
    let id: Int64
    let stream: String
    let fields: [(String, String)]

    /// The `fields` column: a JSON object of strings.
    var fieldsJSON: JSONValue {
        .object(JSONObject(fields.map { ($0.0, JSONValue.string($0.1)) }))
    }

    init(id: Int64, stream: String, fields: [(String, String)]) {
        self.id = id
        self.stream = stream
        self.fields = fields
    }

    init(row: PostgresRow) throws {
        id = try row.decode(Int64.self, "id")
        stream = try row.decode(String.self, "stream")
        let object = try row.decode(JSONValue.self, "fields").objectValue ?? JSONObject()
        fields = object.entries.map { entry in
            (entry.key, entry.value.stringValue ?? JSONWriter.string(entry.value))
        }
    }

    /// Inserts the row; call inside the transaction that writes what it points at.
    func insert(on connection: PostgresConnection) throws {
        try connection.execute(
            "INSERT INTO outbox (id, stream, fields, created_at) VALUES ($1, $2, $3::jsonb, now())",
            [id, stream, fieldsJSON])
    }
}
