"""What every area shares and owns no data: error types, code-to-label functions, form field
readers and the Japanese text rules.

Nothing here imports an area's services or views, so any area may import it without a cycle.
"""
