"""Lesson 13: A one-page mental map for picking your next backbone. Its scene, facts and script live here."""
