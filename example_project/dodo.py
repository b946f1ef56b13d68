"""lit project: `doit regenerate` builds code.lock/ from prompts/."""

from lit_tasks import DOIT_CONFIG, task_regenerate  # noqa: F401
