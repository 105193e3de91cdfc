import CZeroMQ

/// The libzmq socket patterns Knooppunt uses.
public enum SocketType: Sendable, CustomStringConvertible {
    case pub, sub, xpub, router, dealer, push, pull, pair, rep, req

    var rawValue: Int32 {
        switch self {
        case .pub: ZMQ_PUB
        case .sub: ZMQ_SUB
        case .xpub: ZMQ_XPUB
        case .router: ZMQ_ROUTER
        case .dealer: ZMQ_DEALER
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        case .pair: ZMQ_PAIR
        case .rep: ZMQ_REP
        case .req: ZMQ_REQ
        }
    }

    public var description: String {
        switch self {
        case .pub: "PUB"
        case .sub: "SUB"
        case .xpub: "XPUB"
        case .router: "ROUTER"
        case .dealer: "DEALER"
        case .push: "PUSH"
        case .pull: "PULL"
        case .pair: "PAIR"
        case .rep: "REP"
        case .req: "REQ"
        }
    }
}
