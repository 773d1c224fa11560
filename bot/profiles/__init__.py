"""What the assistant knows about a person's preferences, and how it quietly shapes results."""
