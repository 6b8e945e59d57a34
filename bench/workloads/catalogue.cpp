#include "bench/workloads/catalogue.h"

namespace rculab {

const std::vector<workload_info>& workload_catalogue() {
  static const std::vector<workload_info> catalogue = {
      {"read_cost", "cost of one read-side section, loop calibrated apart", {"readers", "placement"}, false},
      {"read_scalability", "reads/s as readers are added, with 0 or 1 updater (sync or call_rcu)",
       {"readers", "updaters", "reclaim", "placement"}, false},
      {"cs_length", "busy work inside the section: where the lock baselines catch up",
       {"readers", "cs_ns", "placement"}, false},
      {"update_rate", "updates vs reads with a delay between updates; k objects per grace period",
       {"readers", "updaters", "delay_ns", "batch", "placement"}, true},
      {"gp_latency", "synchronize latency with readers as load and concurrent updaters",
       {"readers", "updaters", "placement"}, true},
      {"call_rcu", "callbacks/s, enqueue->invocation latency, backlog, rcu_barrier latency",
       {"readers", "updaters", "interval_ns", "placement"}, true},
      {"ref_call_rcu", "QEMU's RCU + real refcount: ref in the section, last unref -> call_rcu(destroy); "
       "updater under its big lock reclaims by synchronize or call_rcu, vs the rwlock idiom",
       {"readers", "updaters", "variant", "placement"}, true},
      {"stat_counter", "per-thread counters summed under RCU vs a global lock, counting threads exiting throughout",
       {"readers", "updaters", "variant", "life", "placement"}, true},
      {"removable_device", "I/O counted in past a removable device's `removing` flag: RCU vs rwlock fast path",
       {"readers", "updaters", "variant", "present_us", "placement"}, true},
      {"resizable_array", "random indexed reads while resized: length inside the RCU array vs apart vs rwlock",
       {"readers", "updaters", "variant", "len", "placement"}, true},
      {"correlated_fields", "a measurement triple read whole: behind a pointer, localized, whole-record copy, rwlock",
       {"readers", "updaters", "variant", "record_bytes", "placement"}, true},
      {"long_reader", "a long traversal vs unrelated updaters' grace periods: global, srcu domain, ref, chunks",
       {"readers", "updaters", "mode", "elements", "placement"}, true},
      {"hash_scan", "full-table scans of an RCU hash table during inserts/deletes: one section, per bucket, rwlock",
       {"readers", "updaters", "scan", "placement"}, true},
      {"route_table", "perfbook's Pre-BSD routing table: lookups in a short route list under RCU vs a global lock "
       "vs a whole-table copy, updaters deleting and re-adding routes",
       {"readers", "updaters", "variant", "routes", "placement"}, true},
      {"hash_lookup", "perfbook's hash-table zoo: lookups with a hot key share, RCU vs per-bucket locks vs a table "
       "rwlock, updaters inserting and deleting volatile keys",
       {"readers", "updaters", "variant", "hot_pct", "placement"}, true},
      {"percpu_ref", "Linux's percpu_ref: per-thread counts, RCU-mediated switch to atomic on kill, reinit; "
       "vs atomic mode only and a plain atomic refcount (1 killer)",
       {"readers", "updaters", "variant", "live_us", "placement"}, true},
      {"retrigger_gp", "open/close storms on one rcu_head: the CLOSED/OPEN/CLOSING/REOPENING/RECLOSING machine "
       "vs close waiting in synchronize vs an rwlock",
       {"readers", "updaters", "variant", "gap_us", "placement"}, true},
  };
  return catalogue;
}

}  // namespace rculab
