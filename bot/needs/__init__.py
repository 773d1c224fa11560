"""Drawing out a citizen's need: the draft the needs form fills, and its summary."""
