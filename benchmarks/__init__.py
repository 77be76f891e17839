"""Benchmarks: time and memory of every build stage on large synthetic registers (`invoke bench`)."""
