"""llm: talking to models, and money. The request sent for a prompt (`request`, `review`), the strict
answer parser (`response`), calls with retries and concurrency limits (`calls`), batches (`batch_api`,
`batcher`, `batch_watch`, `batch_call`: `lit regenerate --batch`), prices (`pricing`),
spending limits (`budget`) and cost reports (`cost`). Providers themselves are the `providers` package. It
imports `state`, `model` and `io`."""
