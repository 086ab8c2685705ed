import Testing

@Test func placeholder_TouchtoneTestingTests() {}
