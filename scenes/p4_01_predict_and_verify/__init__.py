"""Lesson 14: Sketch where ViT looks at a cat with a person, then check. Its scene, facts and script live here."""
