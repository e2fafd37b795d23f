#include "bench/loadgen/fanout_step.hpp"

namespace parley::bench {

double fanout_step::deliveries_per_second() const {
  return measured_seconds > 0 ? static_cast<double>(deliveries) / measured_seconds : 0.0;
}

double fanout_step::offered_deliveries_per_second(std::size_t members) const {
  return rate * static_cast<double>(members);
}

} // namespace parley::bench
