"""Exporters: the JSON document (the product's contract) and the single-file HTML report."""

from newsprism.report.html import render_html
from newsprism.report.json_export import JSON_VERSION, build_document

__all__ = ["JSON_VERSION", "build_document", "render_html"]
