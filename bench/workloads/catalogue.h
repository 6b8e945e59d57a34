// The workloads' descriptors, in RCULAB_WORKLOADS order: what `rculab list`
// shows and exports, what the smoke test holds the benchmarks to.
#pragma once

#include <string_view>
#include <vector>

#include "bench/workloads/descriptor.h"

namespace rculab {

const std::vector<const workload_descriptor*>& workload_catalogue();
// nullptr if there is no workload of that name.
const workload_descriptor* find_workload(std::string_view name);

}  // namespace rculab
