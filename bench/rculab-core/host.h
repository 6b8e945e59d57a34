// `rculab-core host`: what the C++ side knows best about this host, for
// `rculab profile`: the hwloc topology summarised (packages, cores, PUs,
// caches, NUMA), runtime library versions, membarrier support.
#pragma once

#include "bench/rculab-core/json.h"
#include "bench/harness/placement.h"

namespace rculab {

// One JSON object; `topo` is the whole machine (topology::whole_machine()).
void write_host_facts(json_writer& j, const topology& topo);

}  // namespace rculab
