import gc
import sys

from pipeline.cli import main

code = main()
# Every output is written and closed by now. Interpreter shutdown would otherwise walk the whole
# heap (pandas, great-expectations) in a last garbage collection: about 0,8 s of a city run,
# for memory the system takes back anyway. Frozen objects are skipped; exit handlers still run.
gc.freeze()
sys.exit(code)
