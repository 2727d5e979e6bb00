"""tree-sitter readers, one module per Rails construct; each takes a SourceFile."""
