"""Shared building blocks for the lesson scenes.

    style        the course palette, type scale and safe area
    pixel_image  PixelImage and FastCamera: images drawn by Cairo directly (fast, pixel-exact)
    narrated     NarratedScene: the base of every lesson, paced by its narration
    inputs       which model, weights, photo and voice a lesson is rendered from
    values       the numbers narration may speak, read off the trace
    layout       named screen regions (left panel, footer, ...) instead of coordinates
    numbers      one value in its on-screen, LaTeX and spoken forms
    photo_grid   the photo with its patch grid, the patches, the contact sheet
    heatmaps     colour maps, colour bars, maps on the photo, small multiples
    matrices     a real matrix with its shape and braces; an elided numeric preview
    vectors      a D-wide vector as a colour strip; a + b = c
    tokens       a token strip: thumbnails or vectors, CLS slot, indices, positions
    attention    the T x T attention matrix; lines from a query to its strongest keys
    cards        title card, heading, top-k bars, citation, caveat, next-lesson footer
    diagrams     the transformer block and the stack of blocks

Import the module you need; this package imports nothing itself, so that the render CLI can read
`inputs` without loading Manim.
"""
