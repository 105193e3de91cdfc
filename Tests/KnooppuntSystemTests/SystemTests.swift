import Testing

/// Every real-process test: one national network at a time (two cores cannot host several).
@Suite("Real processes", .serialized)
struct SystemTests {}
