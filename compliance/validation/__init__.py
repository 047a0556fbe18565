"""Evidence for clause 7.11.2: the requirements, the tests that prove them, the record."""
