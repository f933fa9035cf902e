"""Lesson 4: One token rules them all: the CLS token. Its scene, facts and script live here."""
