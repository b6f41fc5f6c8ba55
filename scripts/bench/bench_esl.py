"""ESL parse throughput, ours vs greenswitch, on the recorded traces. Same as `calldesk bench esl`."""

import json
import sys

from calldesk.bench.esl_parse import run

if __name__ == "__main__":
    result = run()
    if "--json" in sys.argv:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>26}: {value}")
