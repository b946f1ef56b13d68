"""engine: the doit rule set and its steps. What a dodo.py uses (`dodo`), one regeneration whoever asks for
it (`regeneration`), one task per prompt (`rules`), running doit in-process (`runner`), the generation, plan
and verify steps, seeding doit's DB from the lock (`seed`), the plan of a run and its cost (`run_plan`),
lit's checker, reporter and DB backend, and the per-run switches (`options`). It imports every layer below
it."""
