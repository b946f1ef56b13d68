"""state: what `.lit/` remembers, handed a project's `Workspace` (`workspace`: the root, every path under
`.lit/`, the lock store that reads each entry once per run, the caches), never a bare root. The places lit
writes staying inside the project (`tree_shape`), the committed lock (`lock`), the project index (`index`),
saved patches (`patches`), generation records (`records`), the response and parse caches, the no-op proof
(`up_to_date`), the locks of overlapping runs (`locks`), the build's events for `lit serve` (`events`),
orphans, what is stale and why (`status`), moving a prompt with its state (`move`), and batches not yet
collected (`pending_batches`). It imports `model` and `io`."""
