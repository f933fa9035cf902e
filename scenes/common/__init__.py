"""Shared building blocks for the lesson scenes.

    style        the course palette, type scale and safe area
    pixel_image  PixelImage and FastCamera: images drawn by Cairo directly (fast, pixel-exact)
    narrated     NarratedScene: the base of every lesson, paced by its narration
    inputs       which model, weights, photo and voice a lesson is rendered from
    values       the numbers narration may speak, read off the trace
    patches      patch-level facts the lessons show

Import the module you need; this package imports nothing itself, so that the render CLI can read
`inputs` without loading Manim.
"""
