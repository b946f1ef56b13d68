"""state: what `.lit/` remembers. Its layout (`layout`), the places lit writes staying inside the project
(`tree_shape`), the committed lock (`lock`), the project index (`index`), saved patches (`patches`), generation
records (`records`), the response and parse caches, the no-op proof (`up_to_date`), the locks of overlapping
runs (`locks`), the build's events for `lit serve` (`events`), orphans, what is stale and why (`status`),
moving a prompt with its state (`move`), and batches not yet collected (`pending_batches`). It imports `model`
and `io`."""
