import Foundation
import PaystreamCore
import TestSupport
import Testing

@testable import Channels

/// Alipay's bill download as Alipay serves it: a zip of GBK files (fixture made from the shared vector, see
/// Fixtures/README.md), and the DEFLATE decoder under it against streams made by zlib.
@Suite("Zipped bills")
struct ZipBillTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("Tests/ChannelsTests/Fixtures/\(name)")))
    }

    @Test("the Alipay .csv.zip (GBK names and contents, deflated) parses like the vector it was made from")
    func alipayZip() throws {
        let zip = try Self.fixture("alipay_trade_bill_gbk.csv.zip")
        let archive = try ZipArchive(zip)
        #expect(archive.entries.map(\.name) == [
            "20880211096256330156_20190916_业务明细.csv", "20880211096256330156_20190916_业务明细(汇总).csv",
        ])
        let bill = try AlipayTradeBill(zip)
        let vector = try AlipayTradeBill(try BillParserTests.vectorBytes("alipay_bill_trade_detail_sample.csv"))
        #expect(bill.totals == vector.totals)
        #expect(try bill.records() == (try vector.records()))
    }

    @Test("a zip whose entry was altered, or that is cut short, is refused")
    func damagedZip() throws {
        var zip = try Self.fixture("alipay_trade_bill_gbk.csv.zip")
        #expect(throws: BillFormatError.self) { try ZipArchive(Array(zip.prefix(zip.count - 30))) }
        zip[80] ^= 0x01  // inside the first entry's deflated data
        #expect(throws: BillFormatError.self) { try ZipArchive(zip) }
    }

    @Test("inflate reads stored and fixed-Huffman blocks and refuses what is malformed or too large")
    func inflate() throws {
        // zlib.compressobj(level, DEFLATED, -15): level 0 gives a stored block, level 9 on a short text fixed codes.
        let stored = try #require(Data(base64Encoded: "ARgA5/9zdG9yZWQgYmxvY2s6IDAxMjM0NTY3ODk="))
        #expect(try Inflate.decompress(Array(stored), limit: 100) == Array("stored block: 0123456789".utf8))
        let fixed = try #require(Data(base64Encoded: "S0xKTkRFChmpOTn5yCQA"))
        #expect(try Inflate.decompress(Array(fixed), limit: 100) == Array("abcabcabcabcabcabc hello hello hello".utf8))
        #expect(throws: BillFormatError.self) { try Inflate.decompress(Array(fixed), limit: 10) }
        #expect(throws: BillFormatError.self) { try Inflate.decompress(Array(fixed.prefix(5)), limit: 100) }
        #expect(throws: BillFormatError.self) { try Inflate.decompress([0x07], limit: 100) }  // block type 3
        #expect(ZipArchive.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}
