"""state: what `.lit/` remembers. Its layout (`layout`), the committed lock (`lock`), the project index
(`index`), saved patches (`patches`), generation records (`records`), the response and parse caches, the
no-op proof (`up_to_date`), the locks of overlapping runs (`locks`), orphans, what is stale and why
(`status`), moving a prompt with its state (`move`), and batches not yet collected (`pending_batches`). It imports `model` and `io`."""
