"""Lesson 15: FAQ: 16x16 words, data hunger, tokens, the CLS token, Swin and ConvNeXt. Its scene, facts and script live here."""
