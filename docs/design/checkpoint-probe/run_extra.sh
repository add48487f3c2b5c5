#!/bin/bash
# After the main sweep: produce in the 14 remaining envs, then consume every producer's
# artifacts in four representative consumers (1.15, 2.15, 2.16, 2.21).
cd "$(dirname "$0")"
while pgrep -f run_all.sh >/dev/null; do sleep 5; done
ALLP="1.15 2.0 2.1 2.2 2.3 2.4 2.5 2.6 2.7 2.8 2.9 2.10 2.11 2.12 2.13 2.14 2.15 2.16 2.17 2.18 2.19 2.20 2.21"
ROLES=produce PRODUCERS="2.1 2.2 2.3 2.4 2.6 2.7 2.8 2.9 2.11 2.12 2.14 2.17 2.18 2.20" ./run_all.sh
# consumers: only the new producers, to keep the old records unique
NEWP="2.1 2.2 2.3 2.4 2.6 2.7 2.8 2.9 2.11 2.12 2.14 2.17 2.18 2.20"
ROLES=consume PRODUCERS="$NEWP" CONSUMERS="2.16 2.21 2.15 1.15" ./run_all.sh
echo extra-done >> logs/time.txt
