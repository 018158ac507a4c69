"""The public comment's result per provision, as a print-ready document, CSV and Excel."""
