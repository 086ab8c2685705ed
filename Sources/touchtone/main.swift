print("touchtone: not yet")
