"""Channel-neutral responses and the one layer that turns them into channel payloads."""
