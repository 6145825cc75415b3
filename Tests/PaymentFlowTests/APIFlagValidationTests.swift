import Foundation
import Testing
import TestSupport

/// paystream-api refuses flags that would break a guarantee before it touches anything.
@Suite struct APIFlagValidationTests {
    /// The channels keep an unpaid order payable for 2 hours; failing it sooner could fail an order that is then
    /// paid. Only tests shorten it, with a flag nothing else passes (the envelope flow tests run it at 1 s).
    @Test(arguments: [
        ["--payment-expire-seconds", "3600"],
        ["--payment-expire-seconds", "7199.5"],
        ["--payment-expire-seconds", "0", "--test-short-payment-expiry"],
    ])
    func aPaymentExpiryShorterThanTheChannelsIsRefused(arguments: [String]) async throws {
        let api = try ManagedProcess(executable: "paystream-api", arguments: arguments, name: "api-flags")
        let status = await api.waitForExit(timeoutSeconds: 60)
        let output = (try? String(contentsOf: api.logFile, encoding: .utf8)) ?? ""
        #expect(status != 0, "\(output)")
        #expect(output.contains("--payment-expire-seconds must be at least 7200"), "\(output)")
    }
}
