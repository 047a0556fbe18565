"""Management reviews (8.9): inputs, decisions, actions and minutes."""
