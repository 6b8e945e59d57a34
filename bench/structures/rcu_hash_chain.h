// The chained hash table of perfbook's "Read-Mostly Data Structures" and
// "Update-Friendly Traversal", shared by hash_scan and hash_lookup: buckets
// of singly linked nodes; updaters link and unlink under the bucket's lock
// (or a table write lock), lookups walk a chain inside a read-side section
// (or under that lock). A node is freed through call_rcu (free_node) or, by
// the lock variants, at once. Nodes carry the poison marker of the
// workloads' use-after-free check (basic_reclaim_ledger, common.h).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "bench/workloads/common.h"

namespace rculab {
namespace rcu_hash_chain {

// A test-only backend may ask for the insert bug the lookup and scan-count
// checks exist for: publishing a node before linking it to the chain.
template <Backend B>
constexpr bool broken_insert() {
  if constexpr (requires { B::kBreakHashInsert; }) return B::kBreakHashInsert;
  return false;
}

struct node {
  std::atomic<uint64_t> marker{kAlive};
  uint64_t key = 0;
  std::atomic<node*> next{nullptr};
  rcu_head head;
  bool alive() const noexcept { return marker.load(std::memory_order_relaxed) == kAlive; }
  static node* from_head(rcu_head* h) {
    return reinterpret_cast<node*>(reinterpret_cast<char*>(h) - offsetof(node, head));
  }
};

struct alignas(kCacheLine) bucket {
  std::mutex lock;  // updaters of this bucket (RCU variants)
  std::atomic<node*> first{nullptr};
};

// Frees every node still linked (the threads have ended).
inline void delete_chains(std::vector<bucket>& buckets) {
  for (bucket& b : buckets)
    for (node* n = b.first.load(); n;) {
      node* next = n->next.load();
      delete n;
      n = next;
    }
}

// call_rcu callback: the node goes to its run's ledger (Shared: the
// workload's state, which keeps its nodes in `ledger`).
template <class Shared, class Tag>
void free_node(rcu_head* h) {
  active_run<Shared, Tag>::current->ledger.poison_and_free(node::from_head(h));
}

// Links n at the head of its bucket (bucket lock or table write lock held).
template <Backend B>
void insert_locked(bucket& b, node* n) {
  node* first = b.first.load(std::memory_order_relaxed);
  if constexpr (broken_insert<B>()) {
    // The bug: published before its link is set; a reader in between sees
    // a one-node chain and misses everything behind it. The pause (~10 us)
    // widens the window so the self-test sees it within seconds.
    rcu_assign_pointer(b.first, n);
    keep(spin_iterations(10'000));
    n->next.store(first, std::memory_order_relaxed);
  } else {
    n->next.store(first, std::memory_order_relaxed);
    rcu_assign_pointer(b.first, n);  // release: the node's key and link before it
  }
}

// Unlinks the node holding key (lock held); nullptr if absent.
inline node* unlink_locked(bucket& b, uint64_t key) {
  std::atomic<node*>* link = &b.first;
  for (node* n = link->load(std::memory_order_relaxed); n; n = link->load(std::memory_order_relaxed)) {
    if (n->key == key) {
      // Readers at n still follow n->next, which stays intact until n is freed.
      link->store(n->next.load(std::memory_order_relaxed), std::memory_order_release);
      return n;
    }
    link = &n->next;
  }
  return nullptr;
}

// A lookup inside the caller's section: the node found (nullptr if none);
// counts the freed nodes it saw into `poisoned`.
inline const node* find(const bucket& b, uint64_t key, uint64_t& poisoned) {
  for (const node* n = rcu_dereference(b.first); n; n = rcu_dereference(n->next)) {
    poisoned += !n->alive();
    if (n->key == key) return n;
  }
  return nullptr;
}

// A test-only backend may ask RCU lookups to linger over the node they found
// (~1 us inside the section, as a reader using it would, then its marker is
// read again): long enough for a grace period that does not wait to free it
// under the reader, so that the poison check sees it in one run.
template <Backend B>
constexpr bool lingers_on_found() {
  if constexpr (requires { B::kLingerOnFound; }) return B::kLingerOnFound;
  return false;
}

// find(), then the linger above where the backend asks for it.
template <Backend B>
bool find_in_section(const bucket& b, uint64_t key, uint64_t& poisoned) {
  const node* found = find(b, key, poisoned);
  if constexpr (lingers_on_found<B>()) {
    if (found) {
      keep(spin_iterations(1000));
      poisoned += !found->alive();
    }
  }
  return found != nullptr;
}

}  // namespace rcu_hash_chain
}  // namespace rculab
