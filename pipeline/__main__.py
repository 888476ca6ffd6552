import atexit
import gc
import os
import sys
import threading

from pipeline.cli import main

code = main()
# Every output is written and closed by now. A normal interpreter shutdown would next free the
# whole heap object by object (pandas, great-expectations, the run): about 0,2 s of a city
# report (0,4 s on a busy machine), for memory the system takes back at once. So the exit
# handlers run (logging, the worker pools' clean-up) and the standard streams are flushed
# here, then the process ends. A thread still working (none is expected) gets the normal
# shutdown, which waits for it.
alone = all(t.daemon or t is threading.main_thread() for t in threading.enumerate())
if alone:
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: the normal shutdown says nothing either
        pass
    os._exit(code)
gc.freeze()  # the normal shutdown then skips walking the heap in a last collection
sys.exit(code)
