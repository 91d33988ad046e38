import CFastCGI

#if canImport(Glibc)
import Glibc
#endif

/// A large answer written as FastCGI stdout records straight to the connection.
///
/// libfcgi copies stdout into an 8 KB buffer and writes a record each time it fills, so a
/// 65 KB answer (a month of price history) was nine `write`s, each waking nginx to read
/// one record. Written here it is one `writev` of records up to 64 KB, with the head and
/// the body as they are (no copy); `Worker.finish` then adds the end of stdout and the
/// end of the request in one more write, as for any answer (nothing is left in libfcgi's
/// buffer). Answers that fit libfcgi's buffer keep going through it: they already leave in
/// the single write at the end of the request.
extension FastCGIExchange {
    /// What libfcgi's stdout buffer holds (8,192 bytes less a record's header): a larger
    /// answer is written here.
    static let bufferedLimit = 8_184
    /// The content of one record: its length is 16 bits; a multiple of 8, as libfcgi's
    /// records are, though the protocol does not need it.
    static let recordContent = 65_528
    /// Vectors per `writev` (Linux's `IOV_MAX`, which Glibc's module does not export).
    static let maxVectors = 1024

    /// Writes `head` then `body` as stdout records of `request`. On a failed write the
    /// stream is marked failed, so `Worker.finish` closes the connection (as libfcgi does
    /// for its own writes).
    func writeRecords(head: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer) {
        let total = head.count + body.count
        let records = (total + Self.recordContent - 1) / Self.recordContent
        var headers = [UInt8](repeating: 0, count: records * 8)
        let requestID = UInt16(truncatingIfNeeded: request.pointee.requestId)
        headers.withUnsafeMutableBytes { headerBytes in
            var vectors: [iovec] = []
            vectors.reserveCapacity(records * 3)
            var segments = [head, body].filter { !$0.isEmpty }[...]
            var offset = 0
            for record in 0..<records {
                let length = min(Self.recordContent, total - record * Self.recordContent)
                // Version 1, FCGI_STDOUT, the request id, the length, no padding, the
                // reserved byte: one big-endian word.
                let header = headerBytes.baseAddress! + record * 8
                let word = UInt64(1) << 56 | UInt64(6) << 48 | UInt64(requestID) << 32 | UInt64(length) << 16
                header.storeBytes(of: word.bigEndian, as: UInt64.self)
                vectors.append(iovec(iov_base: header, iov_len: 8))
                var left = length
                while left > 0, let segment = segments.first {
                    let take = min(left, segment.count - offset)
                    vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: segment.baseAddress! + offset), iov_len: take))
                    left -= take
                    offset += take
                    if offset == segment.count { segments.removeFirst(); offset = 0 }
                }
            }
            if let failure = Self.writeAll(request.pointee.ipcFd, &vectors) {
                request.pointee.out.pointee.FCGI_errno = failure
            }
        }
    }

    /// `writev` until every vector is written (a signal or a full socket buffer can cut a
    /// write short); the errno of a failure.
    private static func writeAll(_ descriptor: Int32, _ vectors: inout [iovec]) -> Int32? {
        var first = 0
        while first < vectors.count {
            let count = min(vectors.count - first, Self.maxVectors)
            let written = vectors.withUnsafeBufferPointer { writev(descriptor, $0.baseAddress! + first, Int32(count)) }
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            var left = written
            while left > 0, left >= vectors[first].iov_len {
                left -= vectors[first].iov_len
                first += 1
            }
            if left > 0 {
                vectors[first].iov_base += left
                vectors[first].iov_len -= left
            }
        }
        return nil
    }
}
