#!/bin/bash
# bench/fault_matrix.sh - the fault matrix of tests/integration/fault_matrix.sh
# with a large number of tunnels (BENCH_N, default 300): kill -9 of
# deliveries and of the notice sender, a full mail disk, a locked database,
# an unreadable relay key after a roll-over, Postfix stop and abort,
# concurrent senders and bad input, then repaired and flushed.  Prints the
# deliveries, lost, duplicated and untold counts and the time taken;
# never fails on a figure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
N=${BENCH_N:-300}
start=$(date +%s)
out=$(FAULT_N=$N bash "$top/tests/integration/fault_matrix.sh" 2>&1)
echo "$out" | grep -E '^# [0-9]+ tunnels'
echo "$out" | grep -E '^not ok' | sed 's/^/  /'
echo "fault matrix, $N tunnels: $(echo "$out" | grep -c '^ok') checks passed," \
    "$(echo "$out" | grep -c '^not ok') failed, $(( $(date +%s) - start )) s"
