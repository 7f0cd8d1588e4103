"""The built-in secret sources, registered through the same hooks as external plugins."""
