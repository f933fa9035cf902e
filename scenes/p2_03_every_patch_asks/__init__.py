"""Lesson 7: Every patch asks every patch: 'how much should I read from you?'. Its scene, facts and script live here."""
