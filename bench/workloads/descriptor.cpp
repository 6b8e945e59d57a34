#include "bench/workloads/descriptor.h"

#include <set>
#include <stdexcept>

namespace rculab {

const param_desc& workload_descriptor::param(std::string_view key) const {
  for (const param_desc& p : params)
    if (p.key == key) return p;
  throw std::logic_error(std::string(name) + ": no parameter '" + std::string(key) + "' in its descriptor");
}

const param_desc& workload_descriptor::param_after(std::string_view key) const {
  const param_desc& p = param(key);
  if (&p + 1 == params.data() + params.size())
    throw std::logic_error(std::string(name) + ": no parameter after '" + std::string(key) + "'");
  return *(&p + 1);
}

std::vector<std::string> workload_descriptor::variant_names() const {
  std::vector<std::string> names;
  for (const variant_desc& v : variants) names.emplace_back(v.name);
  return names;
}

std::string counter_mismatch(const workload_descriptor& d, std::initializer_list<counter_value> values) {
  std::set<std::string_view> given, declared;
  for (const counter_value& v : values)
    if (!given.insert(v.name).second) return "counter '" + std::string(v.name) + "' reported twice";
  for (const counter_desc& c : d.counters) declared.insert(c.name);
  std::string problems;
  for (std::string_view name : given)
    if (!declared.count(name)) problems += " reports undeclared '" + std::string(name) + "';";
  for (std::string_view name : declared)
    if (!given.count(name)) problems += " misses declared '" + std::string(name) + "';";
  return problems.empty() ? problems : problems.substr(1, problems.size() - 2);
}

void report_counters(benchmark::State& state, const workload_descriptor& d,
                     std::initializer_list<counter_value> values) {
  if (const std::string why = counter_mismatch(d, values); !why.empty())
    throw std::logic_error(std::string(d.name) + ": counters unlike its descriptor: " + why);
  for (const counter_value& v : values) state.counters[std::string(v.name)] = benchmark::Counter(v.value);
}

}  // namespace rculab
