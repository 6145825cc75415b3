/// DEFLATE decompression (RFC 1951), for the zip files channels serve their bills in.
///
/// Guarantees: pure Swift, no I/O; every malformed stream (bad block type, an invalid or incomplete Huffman code,
/// a distance before the start of the output, input ending early) throws ``BillFormatError`` rather than trapping;
/// the output never grows beyond `limit` bytes (a zip bomb is refused, not expanded).
enum Inflate {
    static func decompress(_ input: [UInt8], limit: Int) throws(BillFormatError) -> [UInt8] {
        var state = State(input: input, limit: limit)
        var last = false
        while !last {
            last = try state.bits(1) == 1
            switch try state.bits(2) {
            case 0: try state.stored()
            case 1: try state.codes(Fixed.literals, Fixed.distances)
            case 2:
                let (literals, distances) = try state.dynamicTables()
                try state.codes(literals, distances)
            default: throw BillFormatError("deflate: invalid block type")
            }
        }
        return state.output
    }

    /// A canonical Huffman code: how many codes of each length, and the symbols in code order.
    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []

        init(lengths: [Int]) throws(BillFormatError) {
            for length in lengths { counts[length] += 1 }
            counts[0] = 0
            var offsets = [Int](repeating: 0, count: 16)
            for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (symbol, length) in lengths.enumerated() where length != 0 {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
        }
    }

    enum Fixed {
        static let literals = try! Huffman(
            lengths: [Int](repeating: 8, count: 144) + [Int](repeating: 9, count: 112) + [Int](repeating: 7, count: 24)
                + [Int](repeating: 8, count: 8))
        static let distances = try! Huffman(lengths: [Int](repeating: 5, count: 30))
    }

    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193,
        12289, 16385, 24577,
    ]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    struct State {
        let input: [UInt8]
        let limit: Int
        var position = 0
        var bitBuffer: UInt64 = 0
        var bitCount = 0
        var output: [UInt8] = []

        init(input: [UInt8], limit: Int) {
            self.input = input
            self.limit = limit
        }

        /// `count` bits, least significant first (count <= 32).
        mutating func bits(_ count: Int) throws(BillFormatError) -> Int {
            while bitCount < count {
                guard position < input.count else { throw BillFormatError("deflate: the stream ends early") }
                bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
                position += 1
                bitCount += 8
            }
            let value = Int(bitBuffer & ((1 << UInt64(count)) - 1))
            bitBuffer >>= UInt64(count)
            bitCount -= count
            return value
        }

        mutating func stored() throws(BillFormatError) {
            bitBuffer = 0
            bitCount = 0
            guard position + 4 <= input.count else { throw BillFormatError("deflate: stored block header cut") }
            let length = Int(input[position]) | Int(input[position + 1]) << 8
            let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
            position += 4
            guard length == ~complement & 0xFFFF, position + length <= input.count else {
                throw BillFormatError("deflate: bad stored block")
            }
            try emit(input[position..<(position + length)])
            position += length
        }

        mutating func emit(_ bytes: ArraySlice<UInt8>) throws(BillFormatError) {
            guard output.count + bytes.count <= limit else { throw BillFormatError("deflate: more than \(limit) bytes") }
            output.append(contentsOf: bytes)
        }

        mutating func decode(_ code: Huffman) throws(BillFormatError) -> Int {
            var value = 0, first = 0, index = 0
            for length in 1...15 {
                value |= try bits(1)
                let count = code.counts[length]
                if value - count < first { return code.symbols[index + value - first] }
                index += count
                first += count
                first <<= 1
                value <<= 1
            }
            throw BillFormatError("deflate: invalid Huffman code")
        }

        mutating func codes(_ literals: Huffman, _ distances: Huffman) throws(BillFormatError) {
            while true {
                let symbol = try decode(literals)
                if symbol < 256 {
                    try emit([UInt8(symbol)])
                } else if symbol == 256 {
                    return
                } else {
                    let lengthCode = symbol - 257
                    guard lengthCode < lengthBase.count else { throw BillFormatError("deflate: invalid length code") }
                    let length = lengthBase[lengthCode] + (try bits(lengthExtra[lengthCode]))
                    let distanceCode = try decode(distances)
                    guard distanceCode < distanceBase.count else { throw BillFormatError("deflate: invalid distance code") }
                    let distance = distanceBase[distanceCode] + (try bits(distanceExtra[distanceCode]))
                    guard distance <= output.count else { throw BillFormatError("deflate: distance before the start") }
                    guard output.count + length <= limit else { throw BillFormatError("deflate: more than \(limit) bytes") }
                    for _ in 0..<length { output.append(output[output.count - distance]) }
                }
            }
        }

        mutating func dynamicTables() throws(BillFormatError) -> (Huffman, Huffman) {
            let literalCount = try bits(5) + 257
            let distanceCount = try bits(5) + 1
            let codeLengthCount = try bits(4) + 4
            guard literalCount <= 286, distanceCount <= 30 else { throw BillFormatError("deflate: too many codes") }
            var codeLengthLengths = [Int](repeating: 0, count: 19)
            for index in 0..<codeLengthCount { codeLengthLengths[codeLengthOrder[index]] = try bits(3) }
            let codeLengths = try Huffman(lengths: codeLengthLengths)
            var lengths: [Int] = []
            while lengths.count < literalCount + distanceCount {
                let symbol = try decode(codeLengths)
                switch symbol {
                case 0...15: lengths.append(symbol)
                case 16:
                    guard let previous = lengths.last else { throw BillFormatError("deflate: repeat with no previous length") }
                    lengths += [Int](repeating: previous, count: 3 + (try bits(2)))
                case 17: lengths += [Int](repeating: 0, count: 3 + (try bits(3)))
                default: lengths += [Int](repeating: 0, count: 11 + (try bits(7)))
                }
            }
            guard lengths.count == literalCount + distanceCount, lengths[256] != 0 else {
                throw BillFormatError("deflate: bad code lengths")
            }
            return (try Huffman(lengths: Array(lengths[..<literalCount])), try Huffman(lengths: Array(lengths[literalCount...])))
        }
    }
}
