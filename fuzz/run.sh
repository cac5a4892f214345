#!/bin/sh
# Runs every fuzz target, one after another, each for SECONDS (default 300) on one core,
# starting from the seed corpus. Logs go to logs/<target>.log; a crash stops the run and
# leaves its input in artifacts/<target>/.
#
#   cd fuzz && cargo run --release --example seeds && ./run.sh 300 [target ...]
set -eu
cd "$(dirname "$0")"
seconds=${1:-300}
[ $# -gt 0 ] && shift
targets=${*:-"note keys policy proof_file witness_request witness tile_path bundle verify_log event fold config mapping csv_rows cdf recount names roll_find removals observer_forms observer_sms"}
mkdir -p logs
for t in $targets; do
    mkdir -p "corpus/$t" "artifacts/$t"
    # fold spends its time in SQLite and Ed25519 and runs about five times faster without
    # AddressSanitizer, which adds little there: the code it runs is safe Rust, and SQLite.
    case $t in
        fold) sanitizer=none ;;
        *) sanitizer=address ;;
    esac
    rm -f fuzz-0.log
    # -a: debug assertions and overflow checks, as in the tests.
    if cargo +nightly fuzz run -O -a -s "$sanitizer" "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -jobs=1 -rss_limit_mb=2048 -timeout=10 >/dev/null 2>&1; then
        status=clean
    else
        status=FAILED
    fi
    mv fuzz-0.log "logs/$t.log"
    runs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "logs/$t.log" | tail -1)
    echo "$t: $status; ${runs:-no summary, see logs/$t.log}"
    [ "$status" = clean ] || exit 1
done
