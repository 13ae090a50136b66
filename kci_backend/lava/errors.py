"""The one error raised while turning an accepted callback into documents."""


class LavaDataError(ValueError):
    """The callback data cannot be imported; nothing must be stored.

    Raised by the processing step (after the 202), so the caller logs the
    message and stores nothing (callback-lava.md §6.3 step 6, §6.4).
    """
