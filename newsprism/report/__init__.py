"""Exporters: the JSON document (the product's contract) and the single-file HTML report."""

from newsprism.report.html import render_html
from newsprism.report.json_export import JSON_VERSION, write_document

__all__ = ["JSON_VERSION", "render_html", "write_document"]
