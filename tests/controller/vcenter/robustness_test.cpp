// Randomized robustness of the codec: truncated, byte-mutated and structurally mutated captures
// fed to every parser must only ever throw VimError, and whatever still parses must reach an
// Inventory and a Graph without error. Deterministic: fixed seeds.
#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <pugixml.hpp>
#include <random>
#include <sstream>

#include "vcenter/inventory.h"
#include "vsphere_fixture.h"

namespace vmfabric::vcenter {
namespace {

std::vector<std::string> response_fixtures() {
  std::vector<std::string> names;
  const auto dir = std::filesystem::path(VMFABRIC_SOURCE_DIR) / "tests/fixtures/vsphere";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".resp.xml")) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Runs every parser on `body`; results that parse are applied to `inventory` and `graph`.
// Anything thrown but a VimError escapes and fails the test.
class Harness {
 public:
  Harness() {
    Delta d;
    d.upsert(VCenter{vc_, "", "", SessionState::kConnected, false, 0, ""});
    graph_.apply(d);
  }

  void feed(const std::string& body) {
    const ObjectRef host{"HostSystem", "host-34"};
    attempt([&] { parse_service_content(body); });
    attempt([&] { parse_login(body); });
    attempt([&] { parse_created("CreateFilter", body); });
    attempt([&] { parse_empty("CancelWaitForUpdates", body); });
    attempt([&] { parse_keep_alive(body); });
    attempt([&] { graph_.apply(inventory_.apply_network_hints(host, parse_network_hint(body))); });
    attempt([&] { graph_.apply(inventory_.apply(parse_refresh(host, body))); });
    attempt([&] {
      if (auto set = parse_wait_for_updates(body)) graph_.apply(inventory_.apply(*set));
    });
  }

  int parsed = 0;
  int rejected = 0;

 private:
  void attempt(const std::function<void()>& f) {
    try {
      f();
      ++parsed;
    } catch (const VimError&) {
      ++rejected;
    }
  }

  VCenterId vc_{"vc1"};
  Inventory inventory_{vc_};
  Graph graph_;
};

std::string mutate_bytes(std::string s, std::mt19937& rng) {
  const auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n)(rng);
  };
  static constexpr char kBytes[] = {'<', '>', '&', '"', '/', ':', '=', ' ', 'x', '7', '\0', '\xff'};
  switch (pick(3)) {
    case 0:  // truncate
      s.resize(pick(s.size()));
      break;
    case 1:  // overwrite a few bytes
      for (std::size_t i = 0, n = 1 + pick(7); i < n && !s.empty(); ++i) {
        s[pick(s.size() - 1)] = kBytes[pick(std::size(kBytes) - 1)];
      }
      break;
    case 2: {  // cut a range
      const std::size_t from = pick(s.size());
      s.erase(from, pick(s.size() - from));
      break;
    }
    default: {  // copy a range elsewhere
      const std::size_t from = pick(s.size());
      const std::string piece = s.substr(from, pick(std::min<std::size_t>(200, s.size() - from)));
      s.insert(pick(s.size()), piece);
    }
  }
  return s;
}

void collect_elements(pugi::xml_node node, std::vector<pugi::xml_node>& out) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    out.push_back(c);
    collect_elements(c, out);
  }
}

// Keeps the XML well-formed so the decoders, not the XML parser, meet the damage.
std::string mutate_tree(const std::string& s, std::mt19937& rng) {
  pugi::xml_document doc;
  if (!doc.load_string(s.c_str())) return s;
  std::vector<pugi::xml_node> elements;  // [0] is the Envelope, never touched
  collect_elements(doc, elements);
  if (elements.size() < 2) return s;
  const auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n)(rng);
  };
  static const char* const kTexts[] = {
      "",          "-1",     "0",     "4095",  "4096", "1e9", "99999999999999999999", "true", "abc",
      "poweredOn", "assign", "enter", "leave", " 12 ", "&<>"};
  for (std::size_t round = 0, n = 1 + pick(2); round < n; ++round) {
    pugi::xml_node target = elements[1 + pick(elements.size() - 2)];
    const std::size_t op = pick(4);
    if (op == 0) {  // invalidates the handles collected: the last mutation
      target.parent().remove_child(target);
      break;
    }
    if (op == 1) {
      target.text().set(kTexts[pick(std::size(kTexts) - 1)]);
    } else if (op == 2) {
      target.parent().insert_copy_after(target, target);
    } else if (op == 3) {
      target.set_name(elements[pick(elements.size() - 1)].name());
    } else {
      target.remove_attributes();
    }
  }
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw);
  return out.str();
}

TEST_CASE("Every parser survives truncations of every capture") {
  Harness harness;
  for (const std::string& name : response_fixtures()) {
    const std::string body = testing::capture(name);
    const std::size_t step = std::max<std::size_t>(1, body.size() / 150);
    for (std::size_t n = 0; n < body.size(); n += step) harness.feed(body.substr(0, n));
  }
  CHECK(harness.rejected > 0);
}

TEST_CASE("Every parser survives randomly mutated captures") {
  Harness harness;
  std::mt19937 rng(20261125);
  for (const std::string& name : response_fixtures()) {
    const std::string body = testing::capture(name);
    const int rounds = body.size() > 20000 ? 40 : 120;
    for (int i = 0; i < rounds; ++i) {
      harness.feed(i % 2 == 0 ? mutate_bytes(body, rng) : mutate_tree(body, rng));
    }
  }
  CHECK(harness.parsed > 0);
  CHECK(harness.rejected > 0);
}

}  // namespace
}  // namespace vmfabric::vcenter
