# bench/pin.sh: sourced by the scenario scripts (bench/run-*). CPU pinning, issue 8:
# "client and server each pinned to their own core where that helps". bench/run
# --pin sets the two variables; a scenario script run by hand reads them too.
#
#   PARLEY_BENCH_PIN_SERVER   taskset cpu list for every server (parleyd and the peers)
#   PARLEY_BENCH_PIN_CLIENT   taskset cpu list for the load tools
#
# Each becomes a command prefix, empty when unset, so that `"${pin_server[@]}" cmd &`
# keeps `$!` the server's own pid (taskset execs the command in place).
pin_server=()
pin_client=()
if [[ -n ${PARLEY_BENCH_PIN_SERVER:-} ]]; then
  pin_server=(taskset -c "$PARLEY_BENCH_PIN_SERVER")
fi
if [[ -n ${PARLEY_BENCH_PIN_CLIENT:-} ]]; then
  pin_client=(taskset -c "$PARLEY_BENCH_PIN_CLIENT")
fi
