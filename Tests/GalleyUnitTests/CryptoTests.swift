import Foundation
import Testing
@testable import GalleyCore
import GalleyTestSupport

@Suite struct CryptoTests {
    private func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var chars = Array(hex.utf8).makeIterator()
        while let a = chars.next(), let b = chars.next() {
            out.append(UInt8(String(decoding: [a, b], as: UTF8.self), radix: 16)!)
        }
        return out
    }

    /// RFC 4231 test cases 1–4, 6 and 7 (case 5 checks truncated output, which Galley never uses).
    @Test(arguments: [
        ("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        ("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", String(repeating: "dd", count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ("0102030405060708090a0b0c0d0e0f10111213141516171819", String(repeating: "cd", count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (String(repeating: "aa", count: 131),
         "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (String(repeating: "aa", count: 131),
         "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ])
    func rfc4231Vectors(key: String, data: String, mac: String) {
        #expect(Crypto.hex(Crypto.hmacSHA256(key: bytes(hex: key), data: bytes(hex: data))) == mac)
    }

    @Test func sha256OfABC() {
        #expect(Crypto.hex(Crypto.sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func constantTimeEquality() {
        #expect(Crypto.constantTimeEquals("secret", "secret"))
        #expect(!Crypto.constantTimeEquals("secret", "secreT"))
        #expect(!Crypto.constantTimeEquals("secret", "secret2"))
    }

    @Test func base64URLRoundTripsAndRejectsJunk() {
        for length in 0..<40 {
            let data = Crypto.randomBytes(length)
            #expect(Base64URL.decode(Base64URL.encode(data)) == data)
        }
        #expect(Base64URL.decode("a+b/") == nil)
        #expect(Base64URL.decode("a") == nil)
        #expect(Base64URL.decode("QR") == nil)  // non-zero trailing bits
    }
}

@Suite struct JWTTests {
    let signer = JWTSigner(secret: "test-secret")
    let later = Date().addingTimeInterval(3600)

    @Test func signsAndVerifies() throws {
        let token = signer.sign(subject: "123456789012345678", expiresAt: later)
        #expect(try signer.verify(token) == "123456789012345678")
    }

    /// A token PyJWT made for the original: `jwt.encode({"exp": 4102444800, "sub": "42"}, "test-secret")`.
    @Test func acceptsTheOriginalsTokens() throws {
        let header = Base64URL.encode(#"{"alg":"HS256","typ":"JWT"}"#)
        let payload = Base64URL.encode(#"{"exp":4102444800,"sub":"42"}"#)
        let signature = Base64URL.encode(Crypto.hmacSHA256(key: Array("test-secret".utf8), data: header + "." + payload))
        #expect(try signer.verify("\(header).\(payload).\(signature)") == "42")
    }

    @Test func rejectsTamperedPayload() {
        let token = signer.sign(subject: "1", expiresAt: later)
        let parts = token.split(separator: ".").map(String.init)
        let forged = Base64URL.encode(#"{"exp":4102444800,"sub":"2"}"#)
        #expect(throws: JWTError.badSignature) { try signer.verify("\(parts[0]).\(forged).\(parts[2])") }
    }

    @Test func rejectsOtherSecret() {
        let token = JWTSigner(secret: "other").sign(subject: "1", expiresAt: later)
        #expect(throws: JWTError.badSignature) { try signer.verify(token) }
    }

    @Test func rejectsExpired() {
        let token = signer.sign(subject: "1", expiresAt: Date().addingTimeInterval(-1))
        #expect(throws: JWTError.expired) { try signer.verify(token) }
    }

    @Test func rejectsAlgNone() {
        let header = Base64URL.encode(#"{"alg":"none","typ":"JWT"}"#)
        let payload = Base64URL.encode(#"{"exp":4102444800,"sub":"1"}"#)
        #expect(throws: JWTError.algorithmNotAllowed) { try signer.verify("\(header).\(payload).") }
    }

    @Test func rejectsHS512EvenWithAValidHS512Signature() {
        let header = Base64URL.encode(#"{"alg":"HS512","typ":"JWT"}"#)
        let payload = Base64URL.encode(#"{"exp":4102444800,"sub":"1"}"#)
        let signature = Base64URL.encode(Crypto.hmacSHA256(key: Array("test-secret".utf8), data: header + "." + payload))
        #expect(throws: JWTError.algorithmNotAllowed) { try signer.verify("\(header).\(payload).\(signature)") }
    }

    @Test(arguments: ["", "a.b", "a.b.c.d", "!!!.???.***", "eyJhbGciOiJIUzI1NiJ9..sig"])
    func rejectsMalformed(_ token: String) {
        #expect(throws: JWTError.self) { try signer.verify(token) }
    }
}
