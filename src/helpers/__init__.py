"""Pumpkin Patch: audit a client book and decide which clients to grow, fix or let go."""

__version__ = "0.1.0"
