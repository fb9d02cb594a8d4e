import Foundation
import HeraldCore
import HeraldStore

/// "Test connection" for a stored destination, the one code path behind the page's button,
/// `POST /api/v1/destinations/{id}/test` and `herald destination test`: builds the channel from the destination's
/// settings and unsealed secrets and asks it to connect, leaving nothing behind.
public struct DestinationTester {
    let destinations: DestinationService
    let environment: ChannelEnvironment

    public init(destinations: DestinationService, environment: ChannelEnvironment) {
        self.destinations = destinations
        self.environment = environment
    }

    /// What a test found: what was checked, or the step that failed and why (never a secret).
    public struct Result: Sendable, Equatable {
        public let ok: Bool
        public let detail: String
        /// `dns`, `connect`, `tls`, `auth`, `permission`, `not found` …; nil when it passed or the channel gave none.
        public let category: String?
    }

    /// Tests a destination the actor may use (else `NotFound`).
    public func test(_ id: UUID, actor: Actor) throws -> Result {
        let inputs = try destinations.channelInputs(id, actor: actor)
        let learned = LearnedHostKey()
        var environment = environment
        environment.hostKeyLearned = learned.recorder
        defer { if let key = learned.take() { try? destinations.pinHostKey(id, sha256: key) } }
        do {
            let channel = try DeliveryChannels.make(kind: inputs.kind, settingsJSON: inputs.settingsJSON, secretsJSON: inputs.secretsJSON,
                                                    environment: environment)
            return Result(ok: true, detail: try channel.testConnection(), category: nil)
        } catch let error as DeliveryError {
            return Result(ok: false, detail: error.description, category: error.category)
        }
    }
}
