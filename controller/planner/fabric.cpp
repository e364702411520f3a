// The switch-to-switch fabric: switches as nodes, links (bundled members as one port-channel
// adjacency) as edges, hop-count distances, and the union of shortest paths joining a set of
// switches.
#include <algorithm>
#include <set>
#include <tuple>

#include "planner/internal.h"

namespace vmfabric::planner::detail {

Fabric::Fabric(const Snapshot& graph) {
  for (const Switch& sw : graph.all<Switch>()) switches_.push_back(sw.id);
  adjacency_.resize(switches_.size());
  distances_.resize(switches_.size());

  std::set<std::pair<InterfaceId, InterfaceId>> seen;
  for (const Link& link : graph.all<Link>()) {
    const std::optional<int> a = index_of(link.id.a.sw);
    const std::optional<int> b = index_of(link.id.b.sw);
    if (!a || !b) continue;
    InterfaceId end_a = attachment_of(graph, link.id.a);
    InterfaceId end_b = attachment_of(graph, link.id.b);
    if (end_b < end_a) std::swap(end_a, end_b);
    if (!seen.emplace(end_a, end_b).second) continue;  // another member of the same bundle
    const bool swapped = end_a.sw != link.id.a.sw;
    edges_.push_back({std::move(end_a), std::move(end_b), swapped ? *b : *a, swapped ? *a : *b});
  }
  std::sort(edges_.begin(), edges_.end(), [](const FabricEdge& x, const FabricEdge& y) {
    return std::tie(x.end_a, x.end_b) < std::tie(y.end_a, y.end_b);
  });
  for (std::size_t e = 0; e < edges_.size(); ++e) {
    const FabricEdge& edge = edges_[e];
    if (edge.a == edge.b) continue;  // a loop joins nothing
    adjacency_[static_cast<std::size_t>(edge.a)].emplace_back(edge.b, static_cast<int>(e));
    adjacency_[static_cast<std::size_t>(edge.b)].emplace_back(edge.a, static_cast<int>(e));
  }
  for (const MlagPair& pair : graph.all<MlagPair>()) {
    const std::optional<int> first = index_of(pair.id.first);
    const std::optional<int> second = index_of(pair.id.second);
    if (first && second && !pair.peer_link.str().empty()) {
      peer_links_.push_back({&pair, *first, *second});
    }
  }
}

std::optional<int> Fabric::index_of(const SwitchId& id) const {
  const auto it = std::lower_bound(switches_.begin(), switches_.end(), id);
  if (it == switches_.end() || *it != id) return std::nullopt;
  return static_cast<int>(it - switches_.begin());
}

const std::vector<std::uint16_t>& Fabric::distances(int source) const {
  std::vector<std::uint16_t>& d = distances_[static_cast<std::size_t>(source)];
  if (!d.empty()) return d;
  d.assign(switches_.size(), kUnreachable);
  std::vector<int> queue{source};
  d[static_cast<std::size_t>(source)] = 0;
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const int u = queue[head];
    for (const auto& [w, edge] : adjacency_[static_cast<std::size_t>(u)]) {
      if (d[static_cast<std::size_t>(w)] != kUnreachable) continue;
      d[static_cast<std::size_t>(w)] =
          static_cast<std::uint16_t>(d[static_cast<std::size_t>(u)] + 1);
      queue.push_back(w);
    }
  }
  return d;
}

// Up to 64 sources at once, one bit each. Going down the BFS levels of every source together, a
// switch is "useful" to a source when it is a carrier other than the source or when it precedes a
// useful switch on a shortest path from the source; an edge x -> y whose y is useful to a source
// at the next level lies on a shortest path from that source to a carrier.
std::vector<int> Fabric::shortest_path_edges(const std::vector<int>& carriers) const {
  const std::size_t n = switches_.size();
  std::vector<bool> used(edges_.size(), false);
  for (std::size_t first = 0; first < carriers.size(); first += 64) {
    const std::size_t batch = std::min<std::size_t>(64, carriers.size() - first);
    // The deepest level that matters: the farthest carrier reachable from a source.
    std::uint16_t depth = 0;
    for (std::size_t i = 0; i < batch; ++i) {
      const auto& d = distances(carriers[first + i]);
      for (int c : carriers) {
        const std::uint16_t dc = d[static_cast<std::size_t>(c)];
        if (dc != kUnreachable) depth = std::max(depth, dc);
      }
    }
    // at_level[l][x]: the sources at distance l from x.
    std::vector<std::vector<std::uint64_t>> at_level(depth + 1u, std::vector<std::uint64_t>(n, 0));
    std::vector<std::uint64_t> useful(n, 0);
    for (std::size_t i = 0; i < batch; ++i) {
      const auto& d = distances(carriers[first + i]);
      const std::uint64_t bit = std::uint64_t{1} << i;
      for (std::size_t x = 0; x < n; ++x) {
        if (d[x] <= depth) at_level[d[x]][x] |= bit;
      }
      for (int c : carriers) {
        if (c != carriers[first + i]) useful[static_cast<std::size_t>(c)] |= bit;
      }
    }
    // Only switches useful at the next level can make an edge used: walk their adjacency rather
    // than every edge. Within a level the order does not matter: the bits a switch gains are
    // those of sources at this level from it, never read at this level.
    for (int level = depth - 1; level >= 0; --level) {
      const auto& here = at_level[static_cast<std::size_t>(level)];
      const auto& next = at_level[static_cast<std::size_t>(level) + 1];
      for (std::size_t y = 0; y < n; ++y) {
        const std::uint64_t reach = next[y] & useful[y];
        if (reach == 0) continue;
        for (const auto& [x, e] : adjacency_[y]) {
          const std::uint64_t bits = here[static_cast<std::size_t>(x)] & reach;
          if (bits == 0) continue;
          useful[static_cast<std::size_t>(x)] |= bits;
          used[static_cast<std::size_t>(e)] = true;
        }
      }
    }
  }
  std::vector<int> out;
  for (std::size_t e = 0; e < used.size(); ++e) {
    if (used[e]) out.push_back(static_cast<int>(e));
  }
  return out;
}

// A shortest path from -> to, each step to the lowest-numbered switch one hop closer.
std::vector<int> Fabric::path_between(int from, int to) const {
  const auto& d = distances(to);
  if (d[static_cast<std::size_t>(from)] == kUnreachable) return {};
  std::vector<int> path{from};
  while (path.back() != to) {
    int next = -1;
    for (const auto& [w, edge] : adjacency_[static_cast<std::size_t>(path.back())]) {
      if (d[static_cast<std::size_t>(w)] + 1 == d[static_cast<std::size_t>(path.back())] &&
          (next < 0 || w < next)) {
        next = w;
      }
    }
    path.push_back(next);
  }
  return path;
}

std::vector<int> Fabric::path_through(int from, int to, int edge) const {
  const FabricEdge& e = edges_[static_cast<std::size_t>(edge)];
  const auto& d_from = distances(from);
  const auto& d_to = distances(to);
  const auto total = d_from[static_cast<std::size_t>(to)];
  if (total == kUnreachable || e.a == e.b) return {};
  for (const auto& [u, w] : {std::pair(e.a, e.b), std::pair(e.b, e.a)}) {
    const auto before = d_from[static_cast<std::size_t>(u)];
    const auto after = d_to[static_cast<std::size_t>(w)];
    if (before == kUnreachable || after == kUnreachable || before + 1 + after != total) continue;
    std::vector<int> path = path_between(u, from);
    std::reverse(path.begin(), path.end());
    const std::vector<int> rest = path_between(w, to);
    path.insert(path.end(), rest.begin(), rest.end());
    return path;
  }
  return {};
}

}  // namespace vmfabric::planner::detail
