import Testing
@testable import PaystreamCore

@Suite("Order state machines")
struct OrderStateMachineTests {
    /// The table of the brief, written out independently of the implementation.
    static let legal: Set<String> = [
        "recharge created paid", "recharge created failed", "recharge created closed",
        "collection created paid", "collection created failed", "collection created closed",
        "envelope created funded", "envelope created failed", "envelope created closed",
        "envelope funded finished", "envelope funded expired",
        "withdraw requested approved", "withdraw requested invalid",
        "withdraw approved paidOut", "withdraw approved invalid",
        "transfer requested completed", "transfer requested rejected",
        "refund requested refunded", "refund requested failed", "refund refunded failed",
    ]

    static let initial: [OrderKind: Set<OrderStatus>] = [
        .recharge: [.created], .envelope: [.created], .collection: [.created], .withdraw: [.requested],
        .transfer: [.requested], .refund: [.requested], .transferIn: [.completed],
    ]

    @Test(arguments: OrderKind.allCases, OrderStatus.allCases)
    func everyPairIsLegalExactlyWhenInTheTable(kind: OrderKind, from: OrderStatus) {
        for to in OrderStatus.allCases {
            let expected = Self.legal.contains("\(kind.rawValue) \(from.rawValue) \(to.rawValue)")
            #expect(OrderStateMachine.isLegal(kind: kind, from: from, to: to) == expected, "\(kind) \(from) → \(to)")
            do {
                try OrderStateMachine.transition(kind: kind, from: from, to: to)
                #expect(expected, "\(kind) \(from) → \(to) accepted")
            } catch {
                #expect(!expected, "\(kind) \(from) → \(to) refused")
                #expect(error.code == "order.illegal_transition")
            }
        }
    }

    @Test(arguments: OrderKind.allCases)
    func terminalStatesNeverChange(kind: OrderKind) {
        let terminal = OrderStateMachine.statuses(for: kind).filter { OrderStateMachine.isTerminal($0, kind: kind) }
        #expect(!terminal.isEmpty)
        for status in terminal {
            #expect(OrderStateMachine.successors(of: status, kind: kind).isEmpty)
            for to in OrderStatus.allCases {
                #expect(throws: LedgerRuleError.self) { try OrderStateMachine.transition(kind: kind, from: status, to: to) }
            }
        }
    }

    @Test func terminalStatusesPerKind() {
        func terminal(_ kind: OrderKind) -> Set<OrderStatus> {
            OrderStateMachine.statuses(for: kind).filter { OrderStateMachine.isTerminal($0, kind: kind) }
        }
        #expect(terminal(.recharge) == [.paid, .failed, .closed])
        #expect(terminal(.envelope) == [.finished, .expired, .failed, .closed])
        #expect(terminal(.withdraw) == [.paidOut, .invalid])
        #expect(terminal(.transfer) == [.completed, .rejected])
        #expect(terminal(.transferIn) == [.completed])
        #expect(terminal(.refund) == [.failed])  // refunded until the channel has it: it may come back
        #expect(terminal(.collection) == [.paid, .failed, .closed])
        #expect(!OrderStateMachine.isTerminal(.approved, kind: .recharge))  // not a recharge status at all
    }

    @Test(arguments: OrderKind.allCases)
    func initialStatuses(kind: OrderKind) {
        #expect(OrderStateMachine.initialStatuses(for: kind) == Self.initial[kind])
    }

    @Test func creationIsInitialOrOneStepFromIt() {
        #expect(OrderStateMachine.mayBeCreated(kind: .recharge, as: .created))
        #expect(OrderStateMachine.mayBeCreated(kind: .recharge, as: .paid))
        #expect(OrderStateMachine.mayBeCreated(kind: .transfer, as: .completed))
        #expect(OrderStateMachine.mayBeCreated(kind: .transferIn, as: .completed))
        #expect(OrderStateMachine.mayBeCreated(kind: .refund, as: .refunded))
        #expect(!OrderStateMachine.mayBeCreated(kind: .envelope, as: .finished))
        #expect(!OrderStateMachine.mayBeCreated(kind: .withdraw, as: .paidOut))
        #expect(!OrderStateMachine.mayBeCreated(kind: .transferIn, as: .created))
    }
}
