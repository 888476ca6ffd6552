"""A module that takes a minute to import: a helper process stuck in its imports (tests)."""

import time

time.sleep(60)
