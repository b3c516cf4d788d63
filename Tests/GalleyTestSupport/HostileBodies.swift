/// Bodies a hostile client sends, shared by the parser's unit tests and the gateway's
/// end-to-end tests so both measure the same shape.
package enum HostileBodies {
    /// `{"k0":0,"k1":0,...}` with `keys` members, padded with spaces to `size` bytes.
    package static func manyKeys(_ keys: Int, size: Int = 1024 * 1024, sameKey: Bool = false) -> [UInt8] {
        var text = "{"
        text.reserveCapacity(size)
        for index in 0..<keys {
            if index > 0 { text += "," }
            text += sameKey ? "\"k\":\(index)" : "\"k\(index)\":0"
        }
        text += "}"
        var bytes = Array(text.utf8)
        if bytes.count < size { bytes += [UInt8](repeating: 0x20, count: size - bytes.count) }
        return bytes
    }
}
