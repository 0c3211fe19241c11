"""The webhook subjects other than Minyi itself: the limit of the stack and the peer framework."""
