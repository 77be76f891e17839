"""Machine-readable exports built from the analysis."""
