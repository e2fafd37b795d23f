#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "bench/common/cli.hpp"
#include "bench/loadgen/fanout_step.hpp"

// The command line and the output the three fan-out tools share: the common options,
// the header, one line (and with --json one JSON line) per step, the summary. One
// copy, because bench/fanout_table.py reads every tool's lines alike: field names and
// order must not drift apart.
namespace parley::bench {

/// Who is reporting: the tool's name (every line and error starts with it), its
/// --help text, and the header of the rate column ("msgs/s", "pubs/s").
struct fanout_tool {
  std::string_view name;
  std::string_view usage;
  std::string_view rate_column;
};

/// What a tool's own parsing hands back: the shared options (for the report), the
/// report's own, and the run itself, bound to the tool's full options.
struct fanout_job {
  using on_step_fn = std::function<void(const fanout_step&)>;

  fanout_common_options common;
  double slo_ms = 10; // the summary's best step keeps p99 within this
  bool json = false;
  std::function<fanout_result(const on_step_fn&)> run;
};

/// The options every fan-out tool takes, followed by the tool's `own`.
std::vector<option_spec> fanout_option_specs(std::initializer_list<option_spec> own);

/// Reads --url (a missing path is `default_path`) and every other shared option into
/// `o`, and --slo-ms and --json into `job`. --body-bytes is at most `max_body_bytes`.
void parse_fanout_options(const option_map& args, std::string_view default_path,
                          std::size_t max_body_bytes, fanout_common_options& o,
                          fanout_job& job);

/// The whole main() of a fan-out tool: --help, `parse` (which throws usage_error on a
/// bad command line), the header, the run with a line per step, and the summary.
/// Returns the exit status: 0 done; 1 failed or timed out; 2 usage; 3 done, but some
/// message got an error reply.
int fanout_main(int argc, char** argv, const fanout_tool& tool,
                const std::vector<option_spec>& specs,
                const std::function<fanout_job(const option_map&)>& parse);

} // namespace parley::bench
