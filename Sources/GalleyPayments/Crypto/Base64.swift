import Foundation

/// Standard base64 (with padding), as WeChat Pay writes signatures and ciphertexts.
public enum Base64 {
    public static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// nil for text that is not base64.
    public static func decode(_ text: String) -> [UInt8]? { Data(base64Encoded: text).map { Array($0) } }
}
