import KnooppuntCore
import KnooppuntProtocol
import Testing

@Suite("Role × action policy")
struct RolePolicyTests {
    /// The whole table, written out: every role against every action. A change to
    /// ``RolePolicy`` that is not also made here fails.
    static let expected: [Role: Set<PersonAction>] = [
        .viewer: [.view],
        .operator: [.view, .publishOwn, .giveAcknowledgement, .readSignals],
        .deskOfficer: [
            .view, .publishOwn, .giveNationalAdvice, .requestAcknowledgement, .giveAcknowledgement,
            .handleEscalation, .readSignals,
        ],
        .administrator: [.view, .manageAccounts, .manageKeys, .managePolicy],
    ]

    static let cases: [(Role, PersonAction)] = Role.allCases.flatMap { role in
        PersonAction.allCases.map { (role, $0) }
    }

    @Test("each role may do exactly what the table says, and is refused the rest with E805", arguments: cases)
    func table(role: Role, action: PersonAction) {
        let allowed = Self.expected[role]!.contains(action)
        #expect(RolePolicy.allows(role, action) == allowed)
        let refusal = RolePolicy.check(role, action)
        if allowed {
            #expect(refusal == nil)
        } else {
            #expect(refusal?.code == .roleNotPermitted)
            #expect(refusal?.code.rawValue == 805)
            // The message names the role, the action and who may.
            #expect(refusal?.message.contains(role.title) == true)
            #expect(refusal?.message.contains(action.phrase) == true)
            for other in RolePolicy.roles(allowedTo: action) {
                #expect(refusal?.message.contains(other.title) == true)
            }
        }
    }

    @Test("an administrator cannot speak for the organisation, an operator cannot advise nationally")
    func separation() {
        #expect(!RolePolicy.allows(.administrator, .publishOwn))
        #expect(!RolePolicy.allows(.administrator, .giveAcknowledgement))
        #expect(!RolePolicy.allows(.operator, .giveNationalAdvice))
        #expect(!RolePolicy.allows(.viewer, .giveAcknowledgement))
        #expect(
            RolePolicy.check(.operator, .giveNationalAdvice)?.message
                == "an operator may not give national advice; that needs the role desk officer")
    }

    @Test("every action is allowed to some role, so nothing is out of everyone's reach")
    func everyActionHasARole() {
        for action in PersonAction.allCases {
            #expect(!RolePolicy.roles(allowedTo: action).isEmpty, "\(action)")
        }
    }
}

@Suite("Login lock-out")
struct LoginThrottleTests {
    let limits = LoginLimits()

    @Test("the fifth wrong password in a row locks the account for the lock-out period")
    func locksAfterLimit() {
        var throttle = LoginThrottle()
        for attempt in 1..<limits.maxFailures {
            throttle = throttle.failed(at: 1_000, limits: limits)
            #expect(throttle.failures == attempt)
            #expect(!throttle.isLocked(at: 1_000))
        }
        throttle = throttle.failed(at: 1_000, limits: limits)
        let lockout = LoginLimits.milliseconds(limits.lockout)
        #expect(throttle.isLocked(at: 1_000))
        #expect(throttle.isLocked(at: 1_000 + lockout - 1))
        #expect(!throttle.isLocked(at: 1_000 + lockout))
    }

    @Test("after a lock-out ends, counting starts afresh")
    func afterLockout() {
        let locked = LoginThrottle(failures: 0, lockedUntil: 5_000)
        let next = locked.failed(at: 5_000, limits: limits)
        #expect(next.failures == 1)
        #expect(!next.isLocked(at: 5_000))
    }
}
