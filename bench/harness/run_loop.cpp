#include "bench/harness/run_loop.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

namespace rculab {

struct run_control {
  std::atomic<int> phase{static_cast<int>(run_phase::warmup)};
  std::atomic<unsigned> ready{0};
  std::atomic<bool> go{false};
  std::atomic<unsigned> closed{0};
  const topology* topo = nullptr;

  void set_phase(run_phase p) { phase.store(static_cast<int>(p), std::memory_order_release); }
};

uint64_t thread_cpu_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

namespace {

uint64_t clock_ns(clockid_t clock) {
  timespec ts{};
  if (clock_gettime(clock, &ts) != 0) return 0;
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

void sleep_seconds(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

void wait_until(const std::atomic<unsigned>& counter, unsigned target) {
  while (counter.load(std::memory_order_acquire) < target) std::this_thread::yield();
}

}  // namespace

void thread_ctx::start() {
  control_->ready.fetch_add(1, std::memory_order_release);
  while (!control_->go.load(std::memory_order_acquire)) std::this_thread::yield();
}

bool thread_ctx::on_phase_change(run_phase phase) {
  if (phase >= run_phase::measure && !window_opened_) {
    window_opened_ = true;
    ops_at_open_ = ops_;
    cpu_at_open_ = thread_cpu_ns();
  }
  if (phase >= run_phase::cooldown && !window_closed_) close_window();
  seen_phase_ = phase;
  return phase != run_phase::stop;
}

void thread_ctx::close_window() {
  window_closed_ = true;
  ops_in_window_ = ops_ - ops_at_open_;
  cpu_in_window_ = thread_cpu_ns() - cpu_at_open_;
  last_pu_ = last_pu_of_current_thread(*control_->topo);
  control_->closed.fetch_add(1, std::memory_order_release);
}

role_totals run_report::totals(const std::string& role) const {
  for (const auto& [name, t] : roles)
    if (name == role) return t;
  return {};
}

std::string run_report::placement_label() const {
  std::string label;
  for (const auto& t : threads) {
    if (!label.empty()) label += ' ';
    label += t.role + std::to_string(t.index) + ':' + std::to_string(t.requested_pu) + '>' +
             std::to_string(t.ran_on_pu);
    if (!t.bind_error.empty()) label += "!unbound";
  }
  return label;
}

namespace {

struct timed_helper {
  helper_thread thread;
  int requested_pu = -1;
  bool has_clock = false;
  clockid_t clock{};
  uint64_t cpu_at_open = 0;
};

// Pins the backend's own threads after the roles' PUs (those that keep their
// own affinity stay where the backend put them) and gets every one's clock.
// Without a helper policy a helper goes only to a PU no role was given
// (the planner hands out unloaded PUs first): where none is left it stays
// unpinned, free to run wherever the scheduler finds room.
std::vector<timed_helper> pin_helpers(const topology& topo, const run_options& options,
                                      std::vector<role_request> requests,
                                      const std::vector<helper_thread>& helpers, run_report& report) {
  std::vector<timed_helper> timed;
  unsigned to_pin = 0;
  for (const helper_thread& h : helpers) to_pin += !h.keeps_own_affinity;
  std::vector<pu_slot> plan;
  size_t next_slot = 0;
  if (to_pin > 0) {
    requests.push_back({"helper", to_pin, options.helper_policy.value_or(placement_policy::compact)});
    plan = plan_placement(topo, requests);
    next_slot = plan.size() - to_pin;
  }
  for (const helper_thread& h : helpers) {
    timed_helper t{h};
    const bool beside_allowed = options.helper_policy.has_value();
    if (!h.keeps_own_affinity && !beside_allowed && plan[next_slot].shared) {
      ++next_slot;  // no free PU left: unpinned
      ++report.helpers_unpinned;
    } else if (!h.keeps_own_affinity) {
      const unsigned pu = plan[next_slot++].pu_os_index;
      const std::string err = bind_thread(topo, h.handle, pu);
      if (!err.empty()) {
        if (!options.tolerate_bind_failure)
          throw placement_error("cannot pin call_rcu worker to PU " + std::to_string(pu) + ": " + err);
        ++report.bind_failures;
      } else {
        ++report.helpers_pinned;
        t.requested_pu = static_cast<int>(pu);
      }
    }
    t.has_clock = pthread_getcpuclockid(h.handle, &t.clock) == 0;
    timed.push_back(t);
  }
  return timed;
}

}  // namespace

run_report run_roles(const topology& topo, const run_options& options,
                     const std::vector<role_spec>& roles,
                     const std::function<std::vector<helper_thread>()>& helpers) {
  std::vector<role_request> requests;
  for (const auto& r : roles) requests.push_back({r.role, r.threads, r.policy});
  const std::vector<pu_slot> plan = plan_placement(topo, requests);

  run_control control;
  control.topo = &topo;
  run_report report;
  report.threads.resize(plan.size());
  std::vector<std::unique_ptr<thread_ctx>> contexts;
  std::vector<std::thread> threads;
  size_t slot = 0;
  for (const auto& r : roles) {
    for (unsigned i = 0; i < r.threads; ++i, ++slot) {
      auto ctx = std::make_unique<thread_ctx>();
      ctx->shared_phase_ = &control.phase;
      ctx->control_ = &control;
      ctx->index_ = i;
      thread_report& tr = report.threads[slot];
      tr.role = r.role;
      tr.index = i;
      tr.requested_pu = static_cast<int>(plan[slot].pu_os_index);
      threads.emplace_back([&topo, &tr, &body = r.body, c = ctx.get()] {
        tr.bind_error = bind_current_thread(topo, static_cast<unsigned>(tr.requested_pu));
        body(*c);
      });
      contexts.push_back(std::move(ctx));
    }
  }
  const auto total = static_cast<unsigned>(threads.size());
  wait_until(control.ready, total);

  auto abort_run = [&] {
    control.set_phase(run_phase::stop);
    control.go.store(true, std::memory_order_release);
    for (auto& t : threads) t.join();
  };
  for (const auto& t : report.threads) {
    if (t.bind_error.empty()) continue;
    if (!options.tolerate_bind_failure) {
      abort_run();
      throw placement_error("cannot pin " + t.role + std::to_string(t.index) + " to PU " +
                            std::to_string(t.requested_pu) + ": " + t.bind_error);
    }
    ++report.bind_failures;
  }

  control.go.store(true, std::memory_order_release);
  sleep_seconds(options.warmup_seconds);
  std::vector<timed_helper> pinned;
  try {
    pinned = pin_helpers(topo, options, requests, helpers ? helpers() : std::vector<helper_thread>{},
                         report);
  } catch (...) {
    abort_run();
    throw;
  }

  for (auto& h : pinned)
    if (h.has_clock) h.cpu_at_open = clock_ns(h.clock);
  const auto t0 = std::chrono::steady_clock::now();
  if (options.on_window_open) options.on_window_open();
  control.set_phase(run_phase::measure);
  sleep_seconds(options.measure_seconds);
  control.set_phase(run_phase::cooldown);
  const auto t1 = std::chrono::steady_clock::now();
  if (options.on_window_close) options.on_window_close();
  for (auto& h : pinned) {
    helper_report hr{h.thread.role, h.requested_pu, last_pu_of_thread(topo, h.thread.tid)};
    if (h.has_clock) hr.cpu_ns = clock_ns(h.clock) - h.cpu_at_open;
    report.helper_cpu_ns += hr.cpu_ns;
    report.helpers.push_back(hr);
  }
  wait_until(control.closed, total);  // cool-down: everyone keeps loading until then
  control.set_phase(run_phase::stop);
  for (auto& t : threads) t.join();

  report.wall_ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  for (size_t i = 0; i < contexts.size(); ++i) {
    const thread_ctx& c = *contexts[i];
    thread_report& tr = report.threads[i];
    tr.ops = c.ops_in_window_;
    tr.cpu_ns = c.cpu_in_window_;
    tr.ran_on_pu = c.last_pu_;
    report.latency.merge(c.latency_);
    report.violations += c.violations_;
    auto it = std::find_if(report.roles.begin(), report.roles.end(),
                           [&](const auto& p) { return p.first == tr.role; });
    if (it == report.roles.end()) it = report.roles.insert(report.roles.end(), {tr.role, {}});
    it->second.ops += tr.ops;
    it->second.cpu_ns += tr.cpu_ns;
    ++it->second.threads;
  }
  return report;
}

}  // namespace rculab
