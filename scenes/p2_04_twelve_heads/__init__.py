"""Lesson 8: Twelve heads, twelve different ways to read the image. Its scene, facts and script live here."""
