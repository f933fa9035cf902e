"""Lesson 12: Why Swin and ConvNeXt look like a synthesis, not a regression. Its scene, facts and script live here."""
