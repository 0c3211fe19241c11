"""One module per resource; each view validates, calls one service, and shapes the answer."""
