# Moved to consult.core.text; kept only until the workshops and secretariat modules being split
# on their branches import it from there (removed when they land).
from .core.text import *  # noqa: F401,F403
