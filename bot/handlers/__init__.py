"""Command handlers, one module per command group."""
