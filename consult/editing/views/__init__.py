"""Staff editing screens under /staff/consultation/…, and the public history of a section.

Views are thin: read the form, call ``services`` / ``phases`` / ``importer``, commit, redirect
(303) or re-render. Invalid forms 422 with what was typed; a change that no longer fits the
record 409; unknown ids 404. Every staff view carries ``@requires("edit_consultation")``.

The views are in two modules by what they change: the consultation as a whole (``consultation``)
and the topics' sections and proposals (``content``); ``common`` holds their shared skeleton.
"""

from . import consultation, consultations, content  # noqa: F401  (routes register on import)
