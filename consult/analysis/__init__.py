"""Broad listening: tokenise, vectorise, group and label citizens' comments, in pure Python."""
