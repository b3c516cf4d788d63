import Foundation
import Synchronization
import Testing
@testable import GalleyCore
@testable import GalleyGateway

/// The lanes' table of verified tokens answers exactly what ``JWTSigner/verify`` answers.
@Suite struct LaneTokensTests {
    let signer = JWTSigner(secret: "lane-tokens-test-secret")

    @Test func aRepeatedTokenIsVerifiedOnceAndAnsweredFromTheTable() throws {
        let tokens = LaneTokens(lanes: 2)
        let token = signer.sign(subject: "42", expiresAt: Date().addingTimeInterval(3600))
        let calls = Atomic<Int>(0)
        let verify = { (text: String) throws(JWTError) -> String in
            calls.add(1, ordering: .relaxed)
            return try signer.verify(text)
        }
        for _ in 0..<5 { #expect(try tokens.subject(of: token, lane: 0, now: Date(), verify: verify) == "42") }
        #expect(calls.load(ordering: .relaxed) == 1)
        // Each lane has its own table; no lane (handler threads) always verifies.
        #expect(try tokens.subject(of: token, lane: 1, now: Date(), verify: verify) == "42")
        #expect(try tokens.subject(of: token, lane: -1, now: Date(), verify: verify) == "42")
        #expect(calls.load(ordering: .relaxed) == 3)
    }

    @Test func refusalsAreNotRememberedAndAnExpiredTokenIsRefusedAsVerifyRefusesIt() throws {
        let tokens = LaneTokens(lanes: 1)
        let token = signer.sign(subject: "7", expiresAt: Date().addingTimeInterval(60))
        let verify = { (text: String) throws(JWTError) -> String in try signer.verify(text, now: Date()) }
        #expect(try tokens.subject(of: token, lane: 0, now: Date(), verify: verify) == "7")
        // Past its exp, the remembered token is refused with verify's own error.
        let later = Date().addingTimeInterval(120)
        #expect(throws: JWTError.expired) {
            try tokens.subject(of: token, lane: 0, now: later) { (text: String) throws(JWTError) -> String in
                try signer.verify(text, now: later)
            }
        }
        let forged = token.dropLast(2) + "xx"
        for _ in 0..<2 {
            #expect(throws: JWTError.self) { try tokens.subject(of: String(forged), lane: 0, now: Date(), verify: verify) }
        }
    }

    @Test func theTableIsBounded() throws {
        let tokens = LaneTokens(lanes: 1)
        let calls = Atomic<Int>(0)
        let verify = { (text: String) throws(JWTError) -> String in
            calls.add(1, ordering: .relaxed)
            return try signer.verify(text)
        }
        let first = signer.sign(subject: "0", expiresAt: Date().addingTimeInterval(3600))
        _ = try tokens.subject(of: first, lane: 0, now: Date(), verify: verify)
        for index in 1...LaneTokens.capacity {
            let token = signer.sign(subject: String(index), expiresAt: Date().addingTimeInterval(3600))
            _ = try tokens.subject(of: token, lane: 0, now: Date(), verify: verify)
        }
        // The table filled and was emptied: the first token is verified again.
        let before = calls.load(ordering: .relaxed)
        #expect(try tokens.subject(of: first, lane: 0, now: Date(), verify: verify) == "0")
        #expect(calls.load(ordering: .relaxed) == before + 1)
    }
}
