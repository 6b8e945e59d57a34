// correlated_fields: three measurements that must be read together.
// From perfbook "RCU Rescues: Correlated Fields" (Schrödinger's animals:
// struct animal { name; age; struct measurement *mp; photo[] } with
// struct measurement { meas_1, meas_2, meas_3 }) and its Quick Quiz.
//
// Readers read one animal's measurement triple, one read-side section per
// read; one updater replaces the triple back to back with the next one of a
// sequence whose values are related (meas_2 = 2 meas_1, meas_3 = meas_1^2).
//   variant:pointer    the listing: the triple lives behind mp; an update
//                      publishes a new block, waits a grace period, frees
//                      the old one.
//   variant:localized  the Quick Quiz: the animal embeds a copy and mp
//                      points at it between updates (one cache miss less on
//                      the read side). An update points mp at a new block,
//                      waits, copies into the embedded copy, points mp back,
//                      waits again, frees the block: two grace periods.
//   variant:copy       copy the whole record (`record_bytes`, photo
//                      included), change the triple in the copy, publish the
//                      copy, wait, free the old record.
//   variant:rwlock     no RCU: the triple is updated in place under the
//                      workload's reader-writer lock.
// Measured: reads and their cost vs readers, updates/s, bytes copied per
// update (`bytes_copied`). The chart should show the localized and pointer
// readers close together (localized ahead by a cache miss), copy's update
// rate falling with record size, and the rwlock's reads collapsing.
// Invariant, checked on every read: the triple satisfies the relation (a
// mixed triple, one field from another update, does not: `mixed_reads`), and
// no freed block or record is read (poison, `freed_reads`). Both count in
// `violations`.
#pragma once

#include <pthread.h>

#include <vector>

#include "bench/workloads/common.h"
#include "bench/workloads/descriptor.h"
#include "bench/workloads/retired.h"

namespace rculab {

inline const workload_descriptor& describe_correlated_fields() {
  static const workload_descriptor d{
      .name = "correlated_fields",
      .summary = "a measurement triple read whole: behind a pointer, localized, whole-record copy, rwlock",
      .needs_updates = true,
      .params = {{"readers", {}, "threads reading the triple (--readers; default 1..PUs, 2x, 4x)"},
                 {"updaters", {}, "one thread replacing the triple back to back, whatever --updaters says", {1}},
                 {"variant", {}, "how the triple is published and replaced"},
                 {"record_bytes", {256, 65536}, "bytes of the animal record (photo included)"},
                 {"placement", {}, "reader placement (--placement)"}},
      .variant_key = "variant",
      .variants = {{"pointer", true, "RCU: triple behind a pointer"},
                   {"localized", true, "RCU: localized copy, 2 GPs per update"},
                   {"copy", true, "RCU: whole record copied"},
                   {"rwlock", false, "rwlock, updated in place"}},
      .counters = {{"mixed_reads", "reads", "triples read with fields from different updates"},
                   {"freed_reads", "reads", "reads of a freed block or record"},
                   {"bytes_copied", "bytes", "bytes the updates inside the window copied"},
                   {"record_bytes", "bytes", "the record_bytes parameter"}},
      .checks = {"mixed_reads", "freed_reads"},
      .metrics = {{"bytes_per_update", "bytes copied per update", "bytes", false, "share", "bytes_copied",
                   "updater_ops"}},
      .headline = "reads_per_s",
      .throughput = "reader_ops_per_s",
  };
  return d;
}

namespace correlated_fields_detail {

inline constexpr uint64_t kReadBatch = 1024;

enum class variant { pointer, localized, copy, rwlock };

// Relaxed atomics: plain loads and stores on x86; atomic so that a reader
// the broken backend lets overlap a copy sees a mixed triple, not a race.
struct measurement {
  std::atomic<uint64_t> marker{kAlive};
  std::atomic<double> meas_1{0}, meas_2{0}, meas_3{0};

  void set(double k) noexcept {
    meas_1.store(k, std::memory_order_relaxed);
    meas_2.store(2 * k, std::memory_order_relaxed);
    meas_3.store(k * k, std::memory_order_relaxed);  // exact below 2^26
  }
  void copy_from(const measurement& m) noexcept {
    meas_1.store(m.meas_1.load(std::memory_order_relaxed), std::memory_order_relaxed);
    meas_2.store(m.meas_2.load(std::memory_order_relaxed), std::memory_order_relaxed);
    meas_3.store(m.meas_3.load(std::memory_order_relaxed), std::memory_order_relaxed);
  }
};

struct animal {
  explicit animal(size_t photo_bytes) : photo(photo_bytes, 0x5a) {}
  // The whole record, as the copy variant copies it (mp set by the caller).
  animal(const animal& from) : name_tag(from.name_tag), age(from.age), photo(from.photo) {
    meas.copy_from(from.meas);
  }
  std::atomic<uint64_t> marker{kAlive};
  uint64_t name_tag = 0x0063'6174;  // name[40] stands in as one word
  double age = 3;
  std::atomic<measurement*> mp{nullptr};
  measurement meas;  // localized and copy: the embedded triple
  std::vector<unsigned char> photo;
  size_t bytes() const noexcept { return sizeof(*this) + photo.size(); }
};

struct shared {
  variant v = variant::pointer;
  std::atomic<animal*> current{nullptr};  // replaced by copy only
  pthread_rwlock_t rwlock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
  retired_ring<measurement> blocks;
  retired_ring<animal> records;
  std::atomic<uint64_t> mixed_reads{0}, freed_reads{0}, bytes_copied{0};
};

struct read_check {
  uint64_t mixed = 0, freed = 0;
  double sum = 0;
  void triple(const animal* a, const measurement* m) {
    const double m1 = m->meas_1.load(std::memory_order_relaxed);
    const double m2 = m->meas_2.load(std::memory_order_relaxed);
    const double m3 = m->meas_3.load(std::memory_order_relaxed);
    sum += m1 + a->age;
    mixed += m2 != 2 * m1 || m3 != m1 * m1;
    freed += !live(m) || !live(a);  // last: the window spans the whole read
  }
};

template <Backend B>
void reader(thread_ctx& ctx, shared& s) {
  thread_scope<B> registered;
  ctx.start();
  read_check check;
  do {
    for (uint64_t k = 0; k < kReadBatch; ++k) {
      if (s.v == variant::rwlock) {
        pthread_rwlock_rdlock(&s.rwlock);
        const animal* a = s.current.load(std::memory_order_relaxed);
        check.triple(a, &a->meas);
        pthread_rwlock_unlock(&s.rwlock);
      } else {
        read_guard<B> section;
        // Both pair with rcu_assign_pointer in update().
        const animal* a = rcu_dereference(s.current);
        check.triple(a, rcu_dereference(a->mp));
      }
    }
    if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
  } while (ctx.next_batch(kReadBatch));
  keep(check.sum);
  if (check.mixed || check.freed) ctx.violation();
  s.mixed_reads.fetch_add(check.mixed);
  s.freed_reads.fetch_add(check.freed);
}

// One update to the triple for k. Returns the bytes it copied.
template <Backend B>
uint64_t update(shared& s, double k) {
  animal* a = s.current.load(std::memory_order_relaxed);  // one updater
  switch (s.v) {
    case variant::rwlock:
      pthread_rwlock_wrlock(&s.rwlock);
      a->meas.set(k);
      pthread_rwlock_unlock(&s.rwlock);
      return 0;
    case variant::pointer: {
      measurement* fresh = s.blocks.make();
      fresh->set(k);
      measurement* old = a->mp.load(std::memory_order_relaxed);
      rcu_assign_pointer(a->mp, fresh);
      B::synchronize();
      s.blocks.retire(old);
      return 0;
    }
    case variant::localized: {
      measurement* fresh = s.blocks.make();
      fresh->set(k);
      rcu_assign_pointer(a->mp, fresh);
      B::synchronize();  // no reader still reads the embedded copy
      a->meas.copy_from(*fresh);
      rcu_assign_pointer(a->mp, &a->meas);  // release: the copy is seen whole
      B::synchronize();  // no reader still reads `fresh`
      s.blocks.retire(fresh);
      return 3 * sizeof(double);  // the triple, into the embedded copy
    }
    case variant::copy: {
      animal* fresh = s.records.make(*a);
      fresh->meas.set(k);
      fresh->mp.store(&fresh->meas, std::memory_order_relaxed);  // published below
      rcu_assign_pointer(s.current, fresh);
      B::synchronize();
      s.records.retire(a);
      return fresh->bytes();
    }
  }
  return 0;
}

template <Backend B>
void updater(thread_ctx& ctx, shared& s) {
  thread_scope<B> registered;
  offline_scope<B> offline;
  ctx.start();
  double k = 1;
  uint64_t copied = 0;
  do {
    k = k >= double(1 << 24) ? 1 : k + 1;
    const uint64_t bytes = update<B>(s, k);
    if (ctx.measuring()) copied += bytes;
  } while (ctx.next_batch(1));
  s.bytes_copied.fetch_add(copied);
}

}  // namespace correlated_fields_detail

template <Backend B>
void register_correlated_fields(const bench_options& o) {
  if constexpr (!B::kTraits.safe_for_updates) return;
  using namespace correlated_fields_detail;
  const workload_descriptor& d = describe_correlated_fields();
  // One updater whatever --updaters says: the descriptor's `always` level alone.
  for (const rescue_point& p : rescue_points(o, d, B::kName)) {
    register_point(p.name, [o, &d, readers = p.readers, v = variant(p.variant),
                            record_bytes = size_t(p.size)](benchmark::State& state) {
      shared s;
      s.v = v;
      animal* first = s.records.make(record_bytes > sizeof(animal) ? record_bytes - sizeof(animal) : 0);
      first->meas.set(1);
      if (v == variant::pointer) {
        measurement* m = s.blocks.make();
        m->set(1);
        first->mp.store(m);
      } else {
        first->mp.store(&first->meas);
      }
      s.current.store(first);
      const auto [run, stats] = run_rescue<B>(o, readers, 1, [&](thread_ctx& c) { reader<B>(c, s); },
                                              [&](thread_ctx& c) { updater<B>(c, s); });
      const uint64_t published_blocks = v == variant::pointer ? 1 : 0;
      report_run(state, run, stats, s.records.outstanding() - 1 + s.blocks.outstanding() - published_blocks);
      report_counters(state, d,
                      {{"mixed_reads", s.mixed_reads}, {"freed_reads", s.freed_reads},
                       {"bytes_copied", s.bytes_copied}, {"record_bytes", record_bytes}});
      if (published_blocks) s.blocks.retire(s.current.load()->mp.load());
      s.records.retire(s.current.load());
    });
  }
}

}  // namespace rculab
