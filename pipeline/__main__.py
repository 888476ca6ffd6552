import atexit
import gc
import os
import sys
import threading

EXIT_ENVIRONMENT = 13  # this Python cannot run the pipeline (too old, a library missing)
OLDEST = (3, 11)  # pyproject's requires-python


def _cannot_run(why: str) -> None:
    """One Indonesian sentence on stderr and the exit code: never a traceback."""
    sys.stderr.write(
        f"{why}; jalankan `make setup` lalu gunakan .venv/bin/python -m pipeline "
        "(atau perintah make).\n"
    )
    sys.exit(EXIT_ENVIRONMENT)


if sys.version_info[:2] < OLDEST:
    _cannot_run(
        f"Pipeline ini memerlukan Python {OLDEST[0]}.{OLDEST[1]} atau lebih baru, sedangkan "
        f"yang menjalankannya Python {sys.version_info[0]}.{sys.version_info[1]}"
    )
try:
    from pipeline.cli import main
except KeyboardInterrupt:  # Ctrl-C while the libraries load: nothing was started yet
    sys.stderr.write("Dihentikan (Ctrl-C) sebelum mulai.\n")
    sys.exit(130)
except ImportError as exc:  # a library of requirements.txt is missing or broken here
    library = (exc.name or "").split(".")[0] or "sebuah pustaka"
    _cannot_run(
        f"Pustaka '{library}' tidak terpasang atau tidak dapat dimuat di Python ini "
        f"({sys.executable})"
    )

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
