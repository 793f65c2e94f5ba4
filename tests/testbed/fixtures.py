"""pytest fixtures of the test ground (filled in by the test-ground work)."""
