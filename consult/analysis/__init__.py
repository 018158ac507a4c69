"""Broad listening: suggested groups from text and votes, near-identical copies; staff decide."""
