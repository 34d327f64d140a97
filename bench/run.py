"""`make bench`: run every benchmark in bench/, one line per figure (`name: value unit`),
each also written to var/bench/<benchmark>.json. BENCH_ROWS scales the registry benchmark."""

import subprocess
import sys

BENCHMARKS = ["bench.registry_import", "bench.solver", "bench.ledger_list", "bench.dashboard"]

if __name__ == "__main__":
    failed = 0
    for module in BENCHMARKS:
        print(f"== {module}", flush=True)
        failed |= subprocess.run([sys.executable, "-m", module]).returncode
    sys.exit(failed)
