"""From analysis to the document model: templates, prose, charts."""
