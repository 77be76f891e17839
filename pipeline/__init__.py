"""Commissioning Framework pipeline: register -> validated table -> analysis -> document -> writers."""

__version__ = "0.1.0"
