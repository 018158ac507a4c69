"""The consultation's content: the consultation, its meetings, topics, sections (with their
revisions), proposals and wards, and how to read them. Staff edit it (editing/); citizens read it
on the pages of participation/."""
