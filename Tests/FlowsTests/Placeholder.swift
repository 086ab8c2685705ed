import Testing

@Test func placeholder_FlowsTests() {}
