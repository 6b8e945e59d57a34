#include "bench/workloads/catalogue.h"

#include "bench/workloads/all.h"

namespace rculab {

const std::vector<const workload_descriptor*>& workload_catalogue() {
#define RCULAB_DESCRIBE(name) &describe_##name(),
  static const std::vector<const workload_descriptor*> catalogue = {RCULAB_WORKLOADS(RCULAB_DESCRIBE)};
#undef RCULAB_DESCRIBE
  return catalogue;
}

const workload_descriptor* find_workload(std::string_view name) {
  for (const workload_descriptor* w : workload_catalogue())
    if (w->name == name) return w;
  return nullptr;
}

}  // namespace rculab
