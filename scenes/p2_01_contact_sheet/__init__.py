"""Lesson 5: Slice the image like a contact sheet. Its scene, facts and script live here."""
