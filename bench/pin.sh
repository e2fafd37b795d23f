# bench/pin.sh: sourced by the scenario scripts (bench/run-*). CPU pinning, issue 8:
# "client and server each pinned to their own core where that helps". bench/run
# --pin sets the two variables; a scenario script run by hand reads them too.
#
#   PARLEY_BENCH_PIN_SERVER   taskset cpu list for every server (parleyd and the peers)
#   PARLEY_BENCH_PIN_CLIENT   taskset cpu list for the load tools
#
# Each becomes a command prefix, empty when unset, so that `"${pin_server[@]}" cmd &`
# keeps `$!` the server's own pid (taskset execs the command in place).
# A list taskset refuses ends the script that sources this (through its `die`).
for pin_var in PARLEY_BENCH_PIN_SERVER PARLEY_BENCH_PIN_CLIENT; do
  if [[ -n ${!pin_var:-} ]]; then
    command -v taskset >/dev/null || die "$pin_var is set, and pinning needs taskset (util-linux)"
    taskset -c "${!pin_var}" true 2>/dev/null || die "$pin_var=${!pin_var} is not a cpu list taskset accepts here"
  fi
done
unset pin_var
pin_server=()
pin_client=()
if [[ -n ${PARLEY_BENCH_PIN_SERVER:-} ]]; then
  pin_server=(taskset -c "$PARLEY_BENCH_PIN_SERVER")
fi
if [[ -n ${PARLEY_BENCH_PIN_CLIENT:-} ]]; then
  pin_client=(taskset -c "$PARLEY_BENCH_PIN_CLIENT")
fi
