"""Lesson 6: Project, then add: patch embedding plus position embedding. Its scene, facts and script live here."""
