import Core
import Foundation
import Testing

/// The offers client reads no more of an answer than a real one could need: an offer
/// list past the parser's limits, or past the byte cap, fails its product as a malformed
/// answer and leaves that product's offers as they were.
///
/// Nested in `OfferSyncTests` (whose `.serialized` covers its nested suites): both drive the
/// one offers stand-in and its counters, and the token test counts the tokens it issues, so
/// a sync run from a suite running beside it would be counted too.
extension OfferSyncTests { @Suite struct Limits {
    @Test(arguments: [
        // About 80 KB, under the byte cap: the parser stops at offer 1,001.
        (1_001, "an array has more than \(RemoteOffer.parsingLimits.elements) elements"),
        // About 320 KB: the transfer is cut off at the cap.
        (4_000, "the answer is larger than \(RemoteOffer.maximumBodyBytes) bytes"),
    ])
    func anOversizedOfferListFailsItsProductAndKeepsItsOffers(offers count: Int, reason: String) throws {
        defer { try? Standin.reset() }
        let product = try OfferSync.newProduct("oversized")
        try OfferSync.runSuccessfully()  // registers it with the stand-in
        // Known offers to keep (the stand-in's own may drift to none: offers sell out).
        let kept = [OfferTriple(id: UUID().uuidString.lowercased(), price: 1500, stock: 2),
                    OfferTriple(id: UUID().uuidString.lowercased(), price: 1700, stock: 5)]
        try Standin.pin(product.uuid, kept)
        try OfferSync.runSuccessfully()
        let offersBefore = try OfferSync.apiOffers(product.id)
        #expect(Set(offersBefore.map(\.id)) == Set(kept.map(\.id)))

        try Standin.pin(product.uuid, (0..<count).map { _ in OfferTriple(id: UUID().uuidString.lowercased(), price: 1999, stock: 3) })
        let run = try OfferSync.run()
        #expect(run.status == 1, "\(run)")
        #expect(run.summary.contains("malformed response"), "\(run.summary)")
        #expect(run.stderr.contains(reason), "the log says why: \(run.stderr.suffix(1500))")
        #expect(try OfferSync.apiOffers(product.id) == offersBefore, "the product's offers are untouched")

        // An answer of a sensible size is taken again at once.
        let one = OfferTriple(id: UUID().uuidString.lowercased(), price: 2500, stock: 1)
        try Standin.pin(product.uuid, [one])
        try OfferSync.runSuccessfully()
        #expect(try OfferSync.apiOffers(product.id) == [one])
    }
} }
