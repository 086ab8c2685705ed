import Testing

@Test func placeholder_TouchtoneTests() {}
