"""llm: talking to models, and money. The request sent for a prompt (`request`, `review`), the strict
answer parser (`response`), calls with retries and concurrency limits (`calls`), the service's rate limits as
a budget (`rate_limits`), holding a request while another writes its cached prefix (`prefix_gate`), batches
(`batch_api`, `batcher`, `batch_watch`, `batch_call`: `lit regenerate --batch`), prices (`pricing`), spending
limits (`budget`), the reported usage bounded by the request (`usage_bounds`) and cost reports (`cost`).
Providers themselves are the `providers` package. It imports `state`, `model` and `io`."""
