"""Writers that lay out the document model: Word, HTML (and their shared helpers)."""
