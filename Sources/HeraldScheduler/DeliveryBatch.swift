import Foundation
import HeraldStore

/// The due deliveries of one run that go out in one send: an email destination's recipient rows together (one
/// message reaches all of them, each row keeps its own outcome), every other row alone.
struct DeliveryBatch {
    let deliveries: [DueDelivery]

    static func group(_ due: [DueDelivery]) -> [DeliveryBatch] {
        var batches: [DeliveryBatch] = []
        var emailBatch: [UUID: Int] = [:]
        for delivery in due {
            if delivery.kind == "email", let destination = delivery.destinationID {
                if let index = emailBatch[destination] {
                    batches[index] = DeliveryBatch(deliveries: batches[index].deliveries + [delivery])
                    continue
                }
                emailBatch[destination] = batches.count
            }
            batches.append(DeliveryBatch(deliveries: [delivery]))
        }
        return batches
    }

    /// The idempotency key of a one-target delivery (`execution:destination:recipient`), as `deliveries` stores it;
    /// for a batch of recipients, the destination's part alone.
    func deliveryKey(_ executionID: UUID) -> String {
        let destination = deliveries[0].destinationID?.uuidString.lowercased() ?? ""
        let recipient = deliveries.count == 1 ? deliveries[0].recipient : ""
        return "\(executionID.uuidString.lowercased()):\(destination):\(recipient)"
    }
}
