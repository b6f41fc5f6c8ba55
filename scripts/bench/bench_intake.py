"""Controller event intake over TCP from the simulated switch. Same as `calldesk bench intake`."""

import json
import sys

from calldesk.bench.intake import run

if __name__ == "__main__":
    rate = float(sys.argv[sys.argv.index("--rate") + 1]) if "--rate" in sys.argv else 5000.0
    print(json.dumps(run(rate=rate, seconds=10.0)))
