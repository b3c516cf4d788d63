public import Foundation

/// HS256 JSON Web Tokens, as the original issued them with PyJWT
/// (`{"alg":"HS256","typ":"JWT"}`, claims `exp` and `sub`), so tokens already in the
/// app keep working. Every other `alg`, `none` included, is refused.
///
/// Rotation: tokens are signed with `secret` only; `previousSecrets` (`SECRET_KEY_PREVIOUS`)
/// still verify, so tokens issued before a key change keep working until they expire.
public struct JWTSigner: Sendable {
    private let key: [UInt8]
    private let previousKeys: [[UInt8]]

    public init(secret: String, previousSecrets: [String] = []) {
        key = Array(secret.utf8)
        previousKeys = previousSecrets.map { Array($0.utf8) }.filter { !$0.isEmpty }
    }

    /// A token for `subject` that expires at `expiresAt` (whole seconds, as PyJWT writes them).
    public func sign(subject: String, expiresAt: Date) -> String {
        let header = Base64URL.encode(#"{"alg":"HS256","typ":"JWT"}"#)
        let claims: JSONValue = ["exp": .int(Int64(expiresAt.timeIntervalSince1970.rounded(.down))), "sub": .string(subject)]
        let payload = Base64URL.encode(JSONWriter.bytes(claims))
        let signingInput = header + "." + payload
        return signingInput + "." + Base64URL.encode(Crypto.hmacSHA256(key: key, data: signingInput))
    }

    /// The token's `sub` when the signature, the algorithm and `exp` all check out.
    public func verify(_ token: String, now: Date = Date()) throws(JWTError) -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, token.utf8.count <= 4096 else { throw .malformed }
        guard let headerBytes = Base64URL.decode(parts[0]),
              let header = try? JSONParser.parse(headerBytes), header.objectValue != nil
        else { throw .malformed }
        guard header["alg"]?.stringValue == "HS256" else { throw .algorithmNotAllowed }
        guard let signature = Base64URL.decode(parts[2]) else { throw .malformed }
        let signingInput = Array((String(parts[0]) + "." + String(parts[1])).utf8)
        let matches = ([key] + previousKeys).contains { candidate in
            Crypto.constantTimeEquals(signature, Crypto.hmacSHA256(key: candidate, data: signingInput))
        }
        guard matches else { throw .badSignature }
        guard let payloadBytes = Base64URL.decode(parts[1]),
              let claims = try? JSONParser.parse(payloadBytes), claims.objectValue != nil
        else { throw .malformed }
        // PyJWT requires a numeric exp when present; the original always sets one.
        guard let exp = claims["exp"]?.doubleValue else { throw .malformed }
        guard exp > now.timeIntervalSince1970 else { throw .expired }
        guard let subject = claims["sub"]?.stringValue, !subject.isEmpty else { throw .malformed }
        return subject
    }
}

/// Why a token was refused. Clients only ever see "Could not validate credentials".
public struct JWTError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable { case malformed, algorithmNotAllowed, badSignature, expired }
    private let code: Code

    public static let malformed = JWTError(code: .malformed)
    public static let algorithmNotAllowed = JWTError(code: .algorithmNotAllowed)
    public static let badSignature = JWTError(code: .badSignature)
    public static let expired = JWTError(code: .expired)

    public var description: String {
        switch code {
        case .malformed: "malformed token"
        case .algorithmNotAllowed: "token algorithm not allowed"
        case .badSignature: "token signature mismatch"
        case .expired: "token expired"
        }
    }
}
