import Testing

@Test func placeholder_TouchtoneServerTests() {}
