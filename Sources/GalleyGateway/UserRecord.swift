import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks

/// A user as the app sees it (`UserProfile`), read with the points balance in one query
/// so authenticated routes cost one round trip.
struct UserRecord: Sendable {
    let id: Int64
    let deviceID: String
    let nickname: String?
    let isVip: Bool
    let vipType: String?
    let vipExpireTime: Date?
    let pointsBalance: Int

    /// The columns ``init(row:)`` reads; `u` is `users`, `p` is `user_points`.
    static let selectColumns = """
        u.id, u.device_id, u.nickname, u.is_vip, u.vip_type, u.vip_expire_time, COALESCE(p.balance, 0) AS points_balance
        """
    static let selectByID = """
        SELECT \(selectColumns) FROM users u LEFT JOIN user_points p ON p.user_id = u.id WHERE u.id = $1
        """

    static let selectByDevice = """
        SELECT \(selectColumns) FROM users u LEFT JOIN user_points p ON p.user_id = u.id WHERE u.device_id = $1
        """

    init(row: PostgresRow) throws {
        id = try row.decode(Int64.self, "id")
        deviceID = try row.decode(String.self, "device_id")
        nickname = try row.decode(String?.self, "nickname")
        isVip = try row.decode(Bool.self, "is_vip")
        vipType = try row.decode(String?.self, "vip_type")
        vipExpireTime = try row.decode(Date?.self, "vip_expire_time")
        pointsBalance = try row.decode(Int.self, "points_balance")
    }

    static func load(id: Int64, on connection: PostgresConnection) throws -> UserRecord? {
        try connection.query(selectByID, [id]).first.map(UserRecord.init(row:))
    }

    static func load(deviceID: String, on connection: PostgresConnection) throws -> UserRecord? {
        try connection.query(selectByDevice, [deviceID]).first.map(UserRecord.init(row:))
    }

    /// VIP in force now: the flag, unless a dated plan has run out and its EXPIRATION
    /// event has not arrived yet (the app must not show VIP past the paid period).
    func vipActive(now: Date = Date()) -> Bool {
        guard isVip else { return false }
        if let vipExpireTime, vipType != "lifetime" { return vipExpireTime > now }
        return true
    }

    /// `vip_type` as the contract spells it: "weekly", "lifetime" or null.
    var contractVipType: JSONValue {
        guard let vipType = vipType?.lowercased(), VipType(rawValue: vipType) != nil else { return .null }
        return .string(vipType)
    }

    var profileJSON: JSONValue {
        .object(JSONObject([
            ("id", .int(id)),
            ("device_id", .string(deviceID)),
            ("nickname", JSONValue(nickname)),
            ("is_vip", .bool(vipActive())),
            ("vip_type", contractVipType),
            ("vip_expire_time", JSONValue(vipExpireTime) { .string(Timestamp.iso8601($0)) }),
            ("points_balance", .int(Int64(pointsBalance))),
        ]))
    }

    var subscriptionJSON: JSONValue {
        .object(JSONObject([
            ("is_vip", .bool(vipActive())),
            ("vip_type", contractVipType),
            ("vip_expire_time", JSONValue(vipExpireTime) { .string(Timestamp.iso8601($0)) }),
        ]))
    }
}
