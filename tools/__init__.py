"""Repository tools that are not the library: the demo, the docs generator, the import rewriter."""
