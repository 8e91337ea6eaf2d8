"""Helpers for the service-map tests: small apps and syntax checkers for Mermaid and DOT."""
