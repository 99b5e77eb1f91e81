#!/bin/sh
# Client instructions per call: (Ir at N=3000 - Ir at N=1000) / 2000, client process only (the
# loopback server is a child process, which valgrind does not trace).
#
#   sh benches/callgrind.sh                                  # token and authorize, both sides
#   sh benches/callgrind.sh userinfo_round_trip/crate ...    # any group/side of benches/oauth2.rs
set -eu
cargo bench --bench oauth2 --no-run 2>/dev/null
target=${CARGO_TARGET_DIR:-target}
bin=$(ls -t "$target"/release/deps/oauth2-* | grep -v '\.d$' | head -n 1)
[ $# -gt 0 ] || set -- token_round_trip/baseline token_round_trip/crate \
    authorize_round_trip/baseline authorize_round_trip/crate
out=${TMPDIR:-/tmp}/polar-callgrind
mkdir -p "$out"
for only in "$@"; do
    name=$(echo "$only" | tr / .)
    for n in 1000 3000; do
        POLAR_BENCH_CALLS=$n POLAR_BENCH_ONLY=$only valgrind --tool=callgrind \
            --callgrind-out-file="$out/$name.$n" "$bin" --bench >/dev/null 2>&1
    done
    ir() { sed -n 's/^summary: //p; s/^totals: //p' "$1" | head -n 1; }
    a=$(ir "$out/$name.1000"); b=$(ir "$out/$name.3000")
    echo "$only: $(( (b - a) / 2000 )) instructions per call ($out/$name.3000)"
done
