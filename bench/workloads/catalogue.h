// What the workloads are, for people and tools (`rculab list`, the smoke
// test, sweeps): one entry per workload, next to its registration in all.h.
#pragma once

#include <string_view>
#include <vector>

namespace rculab {

struct workload_info {
  std::string_view name;
  std::string_view summary;
  // The benchmark name's key:value parts after backend:, in order.
  std::vector<std::string_view> params;
  // Runs only on backends whose synchronize/call really wait (not `none`).
  bool needs_updates;
};

const std::vector<workload_info>& workload_catalogue();

}  // namespace rculab
