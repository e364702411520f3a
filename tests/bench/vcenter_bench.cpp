// vcenter_bench: the vCenter connector's own processing cost, from WaitForUpdatesEx bytes to a
// durable graph (parse_wait_for_updates -> Inventory -> Graph::apply -> Store::save), single
// threaded, for a large inventory. The response bodies are generated in memory beforehand in the
// shape the simulator sends (tests/fixtures/vsphere/vmf-06-*: vcsim's XMLSchema-instance prefix,
// full device, pnic, portgroup and vmknic structures), so the numbers hold our time only, never
// the simulator's. Prints one table; exits 1 when a target is missed or a check fails.
//
//   vcenter_bench [--hosts N] [--vms N] [--updates N] [--batch N]
//
// Initial sync: N hosts in clusters of 16 (4 pnics, vSwitch0 with 3 portgroups, a proxy switch
// of the DVS, 2 vmknics each), one DVS with its uplink portgroup and 50 DV portgroups, M VMs
// with 1-2 vNICs, split into UpdateSets of 1000 objects (truncated but the last), then one graph
// batch and one transaction, as the session publishes it. Sustained updates: K ObjectUpdates
// (vMotion, power on/off, vNIC reconfiguration, host portgroup VLAN change, in turn) in UpdateSets
// of --batch objects, each UpdateSet one graph batch and one transaction.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/heap.h"
#include "store/store.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"
#include "vcenter/inventory.h"
#include "vcenter/soap.h"

using namespace vmfabric;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// CPU time of the calling thread: what the phase cost on its core, whatever else runs.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Span {
  double wall = 0;
  double cpu = 0;
  Span operator+(const Span& o) const { return {wall + o.wall, cpu + o.cpu}; }
};

// Adds the wall-clock and CPU time from its construction to its destruction to `span`.
class Timed {
 public:
  explicit Timed(Span& span) : span_(span), wall_(Clock::now()), cpu_(thread_cpu_seconds()) {}
  ~Timed() {
    span_.wall += seconds_since(wall_);
    span_.cpu += thread_cpu_seconds() - cpu_;
  }
  Timed(const Timed&) = delete;
  Timed& operator=(const Timed&) = delete;

 private:
  Span& span_;
  Clock::time_point wall_;
  double cpu_;
};

struct Phases {
  Span parse;
  Span inventory;
  Span graph;
  Span store;
  Span cpu_path() const { return parse + inventory + graph; }
  Span total() const { return cpu_path() + store; }
};

double rate(std::size_t count, double secs) {
  return secs > 0 ? static_cast<double>(count) / secs : 0.0;
}

void row(const char* what, std::size_t count, const char* unit, const Span& s) {
  std::printf("%-44s %9zu %-8s %8.3f s %8.3f s %11.0f %s/s\n", what, count, unit, s.wall, s.cpu,
              rate(count, s.wall), unit);
}

// ---- the simulated data center -----------------------------------------------------------------

constexpr int kHostsPerCluster = 16;
constexpr int kDvPortgroups = 50;      // VM portgroups, besides the DVS's uplink portgroup
constexpr int kInitialSetSize = 1000;  // maxObjectUpdates of the initial WaitForUpdatesEx
constexpr std::string_view kDvsMoref = "dvs-21";
constexpr std::string_view kDvsName = "dvs-prod";
constexpr std::string_view kDvsUuid = "50 2c 8e 0d 6a 3b 41 a2-9f 1e 7c 44 b0 d5 28 61";
constexpr std::string_view kUplinkPortgroup = "dvportgroup-22";
constexpr std::string_view kFilter =
    "session[52a4f1e8-6c1b-4d5e-8f0a-3b9c2d7e6f10]52b7c3d9-0e2f-4a1b-9c8d-7e6f5a4b3c2d";
constexpr std::string_view kEventCollector =
    "session[52a4f1e8-6c1b-4d5e-8f0a-3b9c2d7e6f10]52c9e5f1-2a3b-4c5d-8e9f-0a1b2c3d4e5f";
// A vNIC's network: 0..kDvPortgroups-1 a DV portgroup, then the two standard VM portgroups.
constexpr int kVmNetwork = kDvPortgroups;
constexpr int kBackupNetwork = kDvPortgroups + 1;
constexpr int kNetworks = kDvPortgroups + 2;
constexpr int kInitialBackupVlan = 2000;  // the updates move it within 2000-3999

std::string dv_portgroup(int i) { return "dvportgroup-" + std::to_string(100 + i); }
std::string cluster_moref(int c) { return "domain-c" + std::to_string(1000 + c); }
std::string host_moref(int h) { return "host-" + std::to_string(2000 + h); }
std::string vm_moref(int v) { return "vm-" + std::to_string(10000 + v); }
std::string vm_name(int v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "app-%05d", v);
  return buf;
}
std::string host_name(int h) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "esx-%03d.lab.example.com", h);
  return buf;
}
std::string mac(int a, int b, int c) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", 0, 0x50, 0x56, a & 0xff, b & 0xff,
                c & 0xff);
  return buf;
}
std::string pnic_mac(int h, int n) { return mac(0x80 | (h >> 8), h & 0xff, n); }
std::string vm_mac(int v, int n) {
  const int x = v * 2 + n;
  return mac(x >> 16, x >> 8, x);
}
std::string standard_network(int net) { return net == kVmNetwork ? "VM Network" : "Backup"; }

struct VmState {
  int host = 0;
  bool powered_on = true;
  int nics = 1;
  std::array<int, 2> network{};  // per vNIC
};

struct HostState {
  int cluster = 0;
  int backup_vlan = kInitialBackupVlan;
};

// The XML of the responses, written the way vcsim writes it: every <val> declares the XSI
// namespace under the prefix "XMLSchema-instance" and nested elements carry their type with it.
class Writer {
 public:
  std::string& out() { return out_; }
  std::string take() { return std::move(out_); }

  Writer& operator<<(std::string_view s) {
    out_ += s;
    return *this;
  }
  Writer& operator<<(int i) {
    out_ += std::to_string(i);
    return *this;
  }

  void begin_object(std::string_view kind, std::string_view type, std::string_view moref) {
    *this << "<objectSet><kind>" << kind << "</kind><obj type=\"" << type << "\">" << moref
          << "</obj>";
  }
  void end_object() { *this << "</objectSet>"; }
  // <changeSet><name>name</name><op>assign</op><val ...type="xsi_type" [type="ref_type"]>
  void begin_assign(std::string_view name, std::string_view xsi_type,
                    std::string_view ref_type = {}) {
    *this << "<changeSet><name>" << name << "</name><op>assign</op>"
          << R"(<val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" )"
          << R"(XMLSchema-instance:type=")" << xsi_type << "\"";
    if (!ref_type.empty()) *this << " type=\"" << ref_type << "\"";
    *this << ">";
  }
  void end_assign() { *this << "</val></changeSet>"; }
  void assign(std::string_view name, std::string_view xsi_type, std::string_view value,
              std::string_view ref_type = {}) {
    begin_assign(name, xsi_type, ref_type);
    *this << value;
    end_assign();
  }

 private:
  std::string out_;
};

// A WaitForUpdatesEx response: one filterSet, `truncated` after it as vim25 orders UpdateSet.
std::string wait_response(int version, std::string_view object_sets, bool truncated) {
  Writer w;
  w << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << R"(<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" )"
    << R"(xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" )"
    << R"(xmlns:xsd="http://www.w3.org/2001/XMLSchema" )"
    << R"(xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>)"
    << R"(<WaitForUpdatesExResponse xmlns="urn:vim25"><returnval><version>)" << version
    << R"(</version><filterSet><filter type="PropertyFilter">)" << kFilter << "</filter>"
    << object_sets << "</filterSet>";
  if (truncated) w << "<truncated>true</truncated>";
  w << "</returnval></WaitForUpdatesExResponse></soapenv:Body></soapenv:Envelope>";
  return w.take();
}

class Datacenter {
 public:
  Datacenter(int hosts, int vms) {
    hosts_.resize(static_cast<std::size_t>(hosts));
    for (int h = 0; h < hosts; ++h) host(h).cluster = h / kHostsPerCluster;
    clusters_ = (hosts + kHostsPerCluster - 1) / kHostsPerCluster;
    vms_.resize(static_cast<std::size_t>(vms));
    for (int v = 0; v < vms; ++v) {
      VmState& s = vm(v);
      s.host = v % hosts;
      s.powered_on = v % 10 != 9;
      s.nics = v % 3 == 0 ? 2 : 1;
      s.network[0] = v % 5 == 4 ? (v % 2 == 0 ? kVmNetwork : kBackupNetwork) : v % kDvPortgroups;
      s.network[1] = (v * 7 + 3) % kDvPortgroups;
    }
  }

  int hosts() const { return static_cast<int>(hosts_.size()); }
  int vms() const { return static_cast<int>(vms_.size()); }
  int clusters() const { return clusters_; }
  VmState& vm(int v) { return vms_[static_cast<std::size_t>(v)]; }
  HostState& host(int h) { return hosts_[static_cast<std::size_t>(h)]; }
  std::size_t vnics() const {
    std::size_t n = 0;
    for (const VmState& s : vms_) n += static_cast<std::size_t>(s.nics);
    return n;
  }

  // Every object the filter reports, in vcsim's order (VMs, then hosts with their clusters,
  // switch, portgroups, the event collector), as UpdateSets of kInitialSetSize objects.
  std::vector<std::string> initial_sync(int& version) {
    std::vector<std::string> objects;
    for (int v = 0; v < vms(); ++v) {
      Writer w;
      w.begin_object("enter", "VirtualMachine", vm_moref(v));
      w.assign("name", "xsd:string", vm_name(v));
      w.assign("config.template", "xsd:boolean", "false");
      w.assign("runtime.powerState", "VirtualMachinePowerState", power(v));
      w.assign("runtime.host", "ManagedObjectReference", host_moref(vm(v).host), "HostSystem");
      devices(w, v);
      w.end_object();
      objects.push_back(w.take());
    }
    for (int c = 0; c < clusters(); ++c) {
      Writer w;
      w.begin_object("enter", "ClusterComputeResource", cluster_moref(c));
      char name[16];
      std::snprintf(name, sizeof name, "cl-%02d", c);
      w.assign("name", "xsd:string", name);
      w.end_object();
      objects.push_back(w.take());
      for (int h = c * kHostsPerCluster; h < std::min(hosts(), (c + 1) * kHostsPerCluster); ++h) {
        objects.push_back(host_object(h));
      }
    }
    {
      Writer w;
      w.begin_object("enter", "DistributedVirtualSwitch", kDvsMoref);
      w.assign("name", "xsd:string", kDvsName);
      w.assign("uuid", "xsd:string", kDvsUuid);
      w.begin_assign("config.uplinkPortgroup", "ArrayOfManagedObjectReference");
      w << R"(<ManagedObjectReference type="DistributedVirtualPortgroup">)" << kUplinkPortgroup
        << "</ManagedObjectReference>";
      w.end_assign();
      w.end_object();
      objects.push_back(w.take());
    }
    objects.push_back(dv_portgroup_object(-1));
    for (int i = 0; i < kDvPortgroups; ++i) objects.push_back(dv_portgroup_object(i));
    {
      Writer w;
      w.begin_object("enter", "EventHistoryCollector", kEventCollector);
      w.assign("latestPage", "ArrayOfEvent", "");
      w.end_object();
      objects.push_back(w.take());
    }
    object_count_ = objects.size();

    std::vector<std::string> sets;
    for (std::size_t first = 0; first < objects.size(); first += kInitialSetSize) {
      const std::size_t last = std::min(objects.size(), first + kInitialSetSize);
      std::string body;
      for (std::size_t i = first; i < last; ++i) body += objects[i];
      sets.push_back(wait_response(++version, body, last < objects.size()));
    }
    return sets;
  }
  std::size_t initial_objects() const { return object_count_; }

  // `count` ObjectUpdates in UpdateSets of `batch`, each kind in turn; the states follow them.
  std::vector<std::string> updates(int count, int batch, int& version) {
    std::mt19937 rng(20240611);
    const auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    std::vector<std::string> sets;
    Writer w;
    int in_set = 0;
    for (int i = 0; i < count; ++i) {
      switch (i % 4) {
        case 0: {  // vMotion within the cluster (or anywhere when the cluster has one host)
          const int v = pick(vms());
          VmState& s = vm(v);
          const int c = host(s.host).cluster;
          const int first = c * kHostsPerCluster;
          const int size = std::min(hosts(), first + kHostsPerCluster) - first;
          s.host = size > 1 ? first + (s.host - first + 1 + pick(size - 1)) % size
                            : (s.host + 1 + pick(hosts() - 1)) % hosts();
          w.begin_object("modify", "VirtualMachine", vm_moref(v));
          w.assign("runtime.host", "ManagedObjectReference", host_moref(s.host), "HostSystem");
          w.end_object();
          ++vmotions_;
          break;
        }
        case 1: {  // power off / on
          const int v = pick(vms());
          vm(v).powered_on = !vm(v).powered_on;
          w.begin_object("modify", "VirtualMachine", vm_moref(v));
          w.assign("runtime.powerState", "VirtualMachinePowerState", power(v));
          w.end_object();
          ++power_changes_;
          break;
        }
        case 2: {  // the first vNIC to another network: the whole device list is sent again
          const int v = pick(vms());
          VmState& s = vm(v);
          s.network[0] = (s.network[0] + 1 + pick(kNetworks - 1)) % kNetworks;
          w.begin_object("modify", "VirtualMachine", vm_moref(v));
          devices(w, v);
          w.end_object();
          ++reconfigs_;
          break;
        }
        default: {  // a host's "Backup" portgroup to another VLAN: every portgroup is sent again
          const int h = pick(hosts());
          HostState& s = host(h);
          s.backup_vlan = 2000 + (s.backup_vlan - 2000 + 1 + pick(1999)) % 2000;
          w.begin_object("modify", "HostSystem", host_moref(h));
          portgroups(w, h);
          w.end_object();
          ++portgroup_changes_;
          break;
        }
      }
      if (++in_set == batch || i + 1 == count) {
        sets.push_back(wait_response(++version, w.out(), false));
        w.out().clear();
        in_set = 0;
      }
    }
    return sets;
  }

  int vmotions_ = 0;
  int power_changes_ = 0;
  int reconfigs_ = 0;
  int portgroup_changes_ = 0;

 private:
  std::string power(int v) { return vm(v).powered_on ? "poweredOn" : "poweredOff"; }

  // config.hardware.device: vcsim's default devices, then the vNICs.
  void devices(Writer& w, int v) {
    const VmState& s = vm(v);
    const std::string name = vm_name(v);
    w.begin_assign("config.hardware.device", "ArrayOfVirtualDevice");
    w << R"(<VirtualDevice XMLSchema-instance:type="VirtualIDEController"><key>200</key>)"
      << R"(<deviceInfo XMLSchema-instance:type="Description"><label>IDE 0</label>)"
      << R"(<summary>IDE 0</summary></deviceInfo><busNumber>0</busNumber></VirtualDevice>)"
      << R"(<VirtualDevice XMLSchema-instance:type="VirtualIDEController"><key>201</key>)"
      << R"(<deviceInfo XMLSchema-instance:type="Description"><label>IDE 1</label>)"
      << R"(<summary>IDE 1</summary></deviceInfo><busNumber>1</busNumber></VirtualDevice>)"
      << R"(<VirtualDevice XMLSchema-instance:type="VirtualPS2Controller"><key>300</key>)"
      << R"(<deviceInfo XMLSchema-instance:type="Description"><label>PS2 controller 0</label>)"
      << R"(<summary>PS2 controller 0</summary></deviceInfo><busNumber>0</busNumber>)"
      << R"(<device>600</device><device>700</device></VirtualDevice>)"
      << R"(<VirtualDevice XMLSchema-instance:type="VirtualPCIController"><key>100</key>)"
      << R"(<deviceInfo XMLSchema-instance:type="Description"><label>PCI controller 0</label>)"
      << R"(<summary>PCI controller 0</summary></deviceInfo><busNumber>0</busNumber>)"
      << R"(<device>500</device><device>12000</device></VirtualDevice>)"
      << R"(<VirtualDevice XMLSchema-instance:type="VirtualSIOController"><key>400</key>)"
      << R"(<deviceInfo XMLSchema-instance:type="Description"><label>SIO controller 0</label>)"
      << R"(<summary>SIO controller 0</summary></deviceInfo><busNumber>0</busNumber>)"
      << R"(</VirtualDevice>)"
      << R"(<VirtualDevice XMLSchema-instance:type="VirtualKeyboard"><key>600</key>)"
      << R"(<deviceInfo XMLSchema-instance:type="Description"><label>Keyboard </label>)"
      << R"(<summary>Keyboard</summary></deviceInfo><controllerKey>300</controllerKey>)"
      << R"(<unitNumber>0</unitNumber></VirtualDevice>)"
      << R"(<VirtualDevice XMLSchema-instance:type="VirtualPointingDevice"><key>700</key>)"
      << R"(<deviceInfo XMLSchema-instance:type="Description"><label>Pointing device</label>)"
      << R"(<summary>Pointing device; Device</summary></deviceInfo>)"
      << R"(<backing XMLSchema-instance:type="VirtualPointingDeviceDeviceBackingInfo">)"
      << R"(<deviceName></deviceName><useAutoDetect>false</useAutoDetect>)"
      << R"(<hostPointingDevice>autodetect</hostPointingDevice></backing>)"
      << R"(<controllerKey>300</controllerKey><unitNumber>1</unitNumber></VirtualDevice>)"
      << R"(<VirtualDevice XMLSchema-instance:type="VirtualMachineVideoCard"><key>500</key>)"
      << R"(<deviceInfo XMLSchema-instance:type="Description"><label>Video card </label>)"
      << R"(<summary>Video card</summary></deviceInfo><controllerKey>100</controllerKey>)"
      << R"(<unitNumber>0</unitNumber><videoRamSizeInKB>4096</videoRamSizeInKB>)"
      << R"(<numDisplays>1</numDisplays><useAutoDetect>false</useAutoDetect>)"
      << R"(<enable3DSupport>false</enable3DSupport><use3dRenderer>automatic</use3dRenderer>)"
      << R"(<graphicsMemorySizeInKB>262144</graphicsMemorySizeInKB></VirtualDevice>)"
      << R"(<VirtualDevice XMLSchema-instance:type="VirtualMachineVMCIDevice"><key>12000</key>)"
      << R"(<deviceInfo XMLSchema-instance:type="Description"><label>VMCI device</label>)"
      << R"(<summary>Device on the virtual machine PCI bus that provides support for the )"
      << R"(virtual machine communication interface</summary></deviceInfo>)"
      << R"(<controllerKey>100</controllerKey><unitNumber>17</unitNumber><id>-1</id>)"
      << R"(<allowUnrestrictedCommunication>false</allowUnrestrictedCommunication>)"
      << R"(<filterEnable>true</filterEnable></VirtualDevice>)"
      << R"(<VirtualDevice XMLSchema-instance:type="ParaVirtualSCSIController"><key>202</key>)"
      << R"(<deviceInfo XMLSchema-instance:type="Description"><label>pvscsi-202</label>)"
      << R"(<summary>pvscsi-202</summary></deviceInfo><busNumber>0</busNumber>)"
      << R"(<sharedBus>noSharing</sharedBus><scsiCtlrUnitNumber>7</scsiCtlrUnitNumber>)"
      << R"(</VirtualDevice>)"
      << R"(<VirtualDevice XMLSchema-instance:type="VirtualCdrom"><key>3000</key>)"
      << R"(<deviceInfo XMLSchema-instance:type="Description"><label>cdrom-3000</label>)"
      << R"(<summary>cdrom-3000</summary></deviceInfo>)"
      << R"(<backing XMLSchema-instance:type="VirtualCdromAtapiBackingInfo">)"
      << R"(<deviceName>cdrom--201-)" << 935488 + v
      << R"(</deviceName><useAutoDetect>false</useAutoDetect></backing><connectable>)"
      << R"(<startConnected>true</startConnected><allowGuestControl>true</allowGuestControl>)"
      << R"(<connected>true</connected></connectable><controllerKey>202</controllerKey>)"
      << R"(<unitNumber>0</unitNumber></VirtualDevice>)"
      << R"(<VirtualDevice XMLSchema-instance:type="VirtualDisk"><key>2000</key>)"
      << R"(<deviceInfo XMLSchema-instance:type="Description"><label>disk-202-0</label>)"
      << R"(<summary>41,943,040 KB</summary></deviceInfo>)"
      << R"(<backing XMLSchema-instance:type="VirtualDiskFlatVer2BackingInfo"><fileName>)"
      << "[ds-" << s.host / kHostsPerCluster << "] " << name << "/" << name << ".vmdk"
      << R"(</fileName><datastore type="Datastore">datastore-)" << 500 + s.host / kHostsPerCluster
      << R"(</datastore><diskMode>persistent</diskMode><split>false</split>)"
      << R"(<writeThrough>false</writeThrough><thinProvisioned>true</thinProvisioned>)"
      << R"(<eagerlyScrub>false</eagerlyScrub><digestEnabled>false</digestEnabled></backing>)"
      << R"(<controllerKey>202</controllerKey><unitNumber>0</unitNumber>)"
      << R"(<capacityInKB>41943040</capacityInKB></VirtualDevice>)";
    for (int n = 0; n < s.nics; ++n) {
      const int net = s.network[static_cast<std::size_t>(n)];
      w << R"(<VirtualDevice XMLSchema-instance:type="VirtualVmxnet3"><key>)" << 4000 + n
        << R"(</key><deviceInfo XMLSchema-instance:type="Description"><label>ethernet-)" << n
        << "</label><summary>";
      if (net < kDvPortgroups) {
        w << "DVSwitch: " << kDvsUuid << "</summary></deviceInfo>"
          << R"(<backing XMLSchema-instance:type="VirtualEthernetCardDistributedVirtualPortBackingInfo">)"
          << "<port><switchUuid>" << kDvsUuid << "</switchUuid><portgroupKey>" << dv_portgroup(net)
          << "</portgroupKey></port></backing>";
      } else {
        w << standard_network(net) << "</summary></deviceInfo>"
          << R"(<backing XMLSchema-instance:type="VirtualEthernetCardNetworkBackingInfo">)"
          << "<deviceName>" << standard_network(net) << R"(</deviceName><network type="Network">)"
          << (net == kVmNetwork ? "network-7" : "network-8") << "</network></backing>";
      }
      w << R"(<connectable><startConnected>true</startConnected>)"
        << R"(<allowGuestControl>true</allowGuestControl><connected>true</connected>)"
        << R"(<status>ok</status></connectable>)"
        << R"(<slotInfo XMLSchema-instance:type="VirtualDevicePciBusSlotInfo"><pciSlotNumber>)"
        << 192 + 32 * n << R"(</pciSlotNumber></slotInfo><controllerKey>100</controllerKey>)"
        << "<unitNumber>" << 7 + n << "</unitNumber><addressType>assigned</addressType>"
        << "<macAddress>" << vm_mac(v, n)
        << "</macAddress><wakeOnLanEnabled>true</wakeOnLanEnabled></VirtualDevice>";
    }
    w.end_assign();
  }

  static void teaming(Writer& w, std::string_view active) {
    w << R"(<nicTeaming><policy>loadbalance_srcid</policy><reversePolicy>true</reversePolicy>)"
      << R"(<notifySwitches>true</notifySwitches><rollingOrder>false</rollingOrder>)"
      << R"(<failureCriteria><checkSpeed>minimum</checkSpeed><speed>10</speed>)"
      << R"(<checkDuplex>false</checkDuplex><fullDuplex>false</fullDuplex>)"
      << R"(<checkErrorPercent>false</checkErrorPercent><checkBeacon>false</checkBeacon>)"
      << R"(</failureCriteria><nicOrder>)" << active << "</nicOrder></nicTeaming>";
  }

  static void computed_policy(Writer& w, std::string_view tag) {
    w << "<" << tag << ">"
      << R"(<security><allowPromiscuous>false</allowPromiscuous><macChanges>true</macChanges>)"
      << R"(<forgedTransmits>true</forgedTransmits></security>)";
    teaming(w, "<activeNic>vmnic0</activeNic><activeNic>vmnic1</activeNic>");
    w << R"(<offloadPolicy><csumOffload>true</csumOffload><tcpSegmentation>true</tcpSegmentation>)"
      << R"(<zeroCopyXmit>true</zeroCopyXmit></offloadPolicy>)"
      << R"(<shapingPolicy><enabled>false</enabled></shapingPolicy></)" << tag << ">";
  }

  // config.network.portgroup: "Management Network" (VLAN 10, vmk0's), "VM Network" (untagged)
  // and "Backup" (the VLAN the updates change), on vSwitch0.
  void portgroups(Writer& w, int h) {
    w.begin_assign("config.network.portgroup", "ArrayOfHostPortGroup");
    const std::pair<std::string_view, int> groups[] = {
        {"Management Network", 10}, {"VM Network", 0}, {"Backup", host(h).backup_vlan}};
    for (const auto& [name, vlan] : groups) {
      w << "<HostPortGroup><key>key-vim.host.PortGroup-" << name << "</key>";
      if (vlan == 10) {
        w << "<port><key>key-vim.host.PortGroup.Port-33554436</key><mac>" << pnic_mac(h, 0)
          << "</mac><type>host</type></port>";
      }
      w << "<vswitch>key-vim.host.VirtualSwitch-vSwitch0</vswitch>";
      computed_policy(w, "computedPolicy");
      w << "<spec><name>" << name << "</name><vlanId>" << vlan
        << "</vlanId><vswitchName>vSwitch0</vswitchName><policy><security></security>"
        << "<nicTeaming><failureCriteria></failureCriteria></nicTeaming>"
        << "<offloadPolicy></offloadPolicy><shapingPolicy></shapingPolicy></policy></spec>"
        << "</HostPortGroup>";
    }
    w.end_assign();
  }

  static void vmk_spec(Writer& w, int h, int n) {
    w << "<spec><ip><dhcp>false</dhcp><ipAddress>10." << 10 + n * 10 << "." << h / 250 << "."
      << 1 + h % 250 << "</ipAddress><subnetMask>255.255.0.0</subnetMask></ip><mac>"
      << mac(0x60 + n, h >> 8, h);
    if (n == 0) {
      w << "</mac><portgroup>Management Network</portgroup>";
    } else {
      w << "</mac><distributedVirtualPort><switchUuid>" << kDvsUuid << "</switchUuid><portgroupKey>"
        << dv_portgroup(0) << "</portgroupKey><portKey>" << 1000 + h
        << "</portKey><connectionCookie>" << 70000 + h
        << "</connectionCookie></distributedVirtualPort>";
    }
    w << "<mtu>" << (n == 0 ? 1500 : 9000) << "</mtu><tsoEnabled>true</tsoEnabled>"
      << "<netStackInstanceKey>defaultTcpipStack</netStackInstanceKey></spec>";
  }

  std::string host_object(int h) {
    Writer w;
    w.begin_object("enter", "HostSystem", host_moref(h));
    w.assign("name", "xsd:string", host_name(h));
    w.assign("parent", "ManagedObjectReference", cluster_moref(host(h).cluster),
             "ClusterComputeResource");
    w.assign("runtime.connectionState", "HostSystemConnectionState", "connected");
    w.assign("runtime.inMaintenanceMode", "xsd:boolean", "false");
    w.assign("summary.hardware.vendor", "xsd:string", "Dell Inc.");
    w.assign("summary.hardware.model", "xsd:string", "PowerEdge R750");
    w.assign("summary.hardware.cpuModel", "xsd:string", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz");
    w.assign("summary.hardware.numCpuCores", "xsd:short", "64");
    w.assign("config.product.version", "xsd:string", "8.0.2");
    w.assign("config.product.build", "xsd:string", "22380479");

    w.begin_assign("config.network.pnic", "ArrayOfPhysicalNic");
    for (int n = 0; n < 4; ++n) {
      const std::string m = pnic_mac(h, n);
      w << "<PhysicalNic><key>key-vim.host.PhysicalNic-vmnic" << n << "</key><device>vmnic" << n
        << "</device><pci>0000:" << (n < 2 ? "31" : "4b") << ":00." << n % 2
        << "</pci><driver>i40en</driver><linkSpeed><speedMb>25000</speedMb><duplex>true</duplex>"
        << "</linkSpeed><validLinkSpecification><speedMb>25000</speedMb><duplex>true</duplex>"
        << "</validLinkSpecification><spec><ip><dhcp>false</dhcp></ip><linkSpeed>"
        << "<speedMb>25000</speedMb><duplex>true</duplex></linkSpeed></spec>"
        << "<wakeOnLanSupported>false</wakeOnLanSupported><mac>" << m
        << "</mac><fcoeConfiguration><priorityClass>3</priorityClass><sourceMac>" << m
        << "</sourceMac><vlanRange><vlanLow>0</vlanLow><vlanHigh>0</vlanHigh></vlanRange>"
        << "<capabilities><priorityClass>false</priorityClass>"
        << "<sourceMacAddress>false</sourceMacAddress><vlanRange>true</vlanRange></capabilities>"
        << "<fcoeActive>false</fcoeActive></fcoeConfiguration>"
        << "<vmDirectPathGen2Supported>false</vmDirectPathGen2Supported>"
        << "<resourcePoolSchedulerAllowed>true</resourcePoolSchedulerAllowed>"
        << "<autoNegotiateSupported>false</autoNegotiateSupported></PhysicalNic>";
    }
    w.end_assign();

    w.begin_assign("config.network.vswitch", "ArrayOfHostVirtualSwitch");
    w << "<HostVirtualSwitch><name>vSwitch0</name><key>key-vim.host.VirtualSwitch-vSwitch0</key>"
      << "<numPorts>1536</numPorts><numPortsAvailable>1524</numPortsAvailable><mtu>1500</mtu>"
      << "<portgroup>key-vim.host.PortGroup-Management Network</portgroup>"
      << "<portgroup>key-vim.host.PortGroup-VM Network</portgroup>"
      << "<portgroup>key-vim.host.PortGroup-Backup</portgroup>"
      << "<pnic>key-vim.host.PhysicalNic-vmnic0</pnic><pnic>key-vim.host.PhysicalNic-vmnic1</pnic>"
      << R"(<spec><numPorts>128</numPorts><bridge XMLSchema-instance:type="HostVirtualSwitchBondBridge">)"
      << "<nicDevice>vmnic0</nicDevice><nicDevice>vmnic1</nicDevice><beacon><interval>1</interval>"
      << "</beacon><linkDiscoveryProtocolConfig><protocol>cdp</protocol><operation>listen"
      << "</operation></linkDiscoveryProtocolConfig></bridge>";
    computed_policy(w, "policy");
    w << "</spec></HostVirtualSwitch>";
    w.end_assign();

    portgroups(w, h);

    w.begin_assign("config.network.proxySwitch", "ArrayOfHostProxySwitch");
    w << "<HostProxySwitch><dvsUuid>" << kDvsUuid << "</dvsUuid><dvsName>" << kDvsName
      << "</dvsName><key>" << kDvsUuid << "</key><numPorts>512</numPorts>"
      << "<configNumPorts>512</configNumPorts><numPortsAvailable>497</numPortsAvailable>"
      << "<uplinkPort><key>16</key><value>uplink1</value></uplinkPort>"
      << "<uplinkPort><key>17</key><value>uplink2</value></uplinkPort><mtu>9000</mtu>"
      << "<pnic>key-vim.host.PhysicalNic-vmnic2</pnic><pnic>key-vim.host.PhysicalNic-vmnic3</pnic>"
      << R"(<spec><backing XMLSchema-instance:type="DistributedVirtualSwitchHostMemberPnicBacking">)";
    for (int n = 2; n < 4; ++n) {
      w << "<pnicSpec><pnicDevice>vmnic" << n << "</pnicDevice><uplinkPortKey>" << 14 + n
        << "</uplinkPortKey><uplinkPortgroupKey>" << kUplinkPortgroup
        << "</uplinkPortgroupKey><connectionCookie>" << 90000 + h * 2 + n
        << "</connectionCookie></pnicSpec>";
    }
    w << "</backing><maxProxySwitchPorts>512</maxProxySwitchPorts></spec>"
      << "<networkReservationSupported>false</networkReservationSupported></HostProxySwitch>";
    w.end_assign();

    w.begin_assign("config.network.vnic", "ArrayOfHostVirtualNic");
    for (int n = 0; n < 2; ++n) {
      w << "<HostVirtualNic><device>vmk" << n << "</device><key>key-vim.host.VirtualNic-vmk" << n
        << "</key><portgroup>" << (n == 0 ? "Management Network" : "") << "</portgroup>";
      vmk_spec(w, h, n);
      if (n == 0) w << "<port>key-vim.host.PortGroup.Port-33554436</port>";
      w << "</HostVirtualNic>";
    }
    w.end_assign();

    // vcsim lists every nicType with every vmknic as a candidate; management selects vmk0 and
    // vmotion vmk1.
    w.begin_assign("config.virtualNicManagerInfo.netConfig", "ArrayOfVirtualNicManagerNetConfig");
    for (const std::string_view type :
         {"faultToleranceLogging", "management", "vSphereProvisioning", "vSphereReplication",
          "vSphereReplicationNFC", "vmotion", "vsan", "vsanWitness"}) {
      w << "<VirtualNicManagerNetConfig><nicType>" << type
        << "</nicType><multiSelectAllowed>true</multiSelectAllowed>";
      for (int n = 0; n < 2; ++n) {
        w << "<candidateVnic><device>vmk" << n << "</device><key>" << type
          << ".key-vim.host.VirtualNic-vmk" << n << "</key><portgroup>"
          << (n == 0 ? "Management Network" : "") << "</portgroup>";
        vmk_spec(w, h, n);
        w << "</candidateVnic>";
      }
      if (type == "management") w << "<selectedVnic>management.key-vim.host.VirtualNic-vmk0";
      if (type == "vmotion") w << "<selectedVnic>vmotion.key-vim.host.VirtualNic-vmk1";
      if (type == "management" || type == "vmotion") w << "</selectedVnic>";
      w << "</VirtualNicManagerNetConfig>";
    }
    w.end_assign();

    w.assign("configManager.networkSystem", "ManagedObjectReference",
             "hostnetworksystem-" + std::to_string(2000 + h), "HostNetworkSystem");
    w.end_object();
    return w.take();
  }

  // i = -1: the uplink portgroup (a trunk of every VLAN); else VM portgroup i, VLAN 100 + i.
  static std::string dv_portgroup_object(int i) {
    const std::string moref = i < 0 ? std::string(kUplinkPortgroup) : dv_portgroup(i);
    Writer w;
    w.begin_object("enter", "DistributedVirtualPortgroup", moref);
    w.assign("name", "xsd:string",
             i < 0 ? std::string(kDvsName) + "-DVUplinks-21" : "vlan" + std::to_string(100 + i));
    w.assign("key", "xsd:string", moref);
    w.assign("config.distributedVirtualSwitch", "ManagedObjectReference", kDvsMoref,
             "DistributedVirtualSwitch");
    w.begin_assign("config.defaultPortConfig", "VMwareDVSPortSetting");
    if (i < 0) {
      w << R"(<vlan XMLSchema-instance:type="VmwareDistributedVirtualSwitchTrunkVlanSpec">)"
        << "<inherited>false</inherited><vlanId><start>0</start><end>4094</end></vlanId></vlan>";
    } else {
      w << R"(<vlan XMLSchema-instance:type="VmwareDistributedVirtualSwitchVlanIdSpec">)"
        << "<inherited>false</inherited><vlanId>" << 100 + i << "</vlanId></vlan>";
    }
    w << "<uplinkTeamingPolicy><inherited>false</inherited><policy><inherited>false</inherited>"
      << "<value>loadbalance_srcid</value></policy><reversePolicy><inherited>false</inherited>"
      << "<value>true</value></reversePolicy><notifySwitches><inherited>false</inherited>"
      << "<value>true</value></notifySwitches><rollingOrder><inherited>false</inherited>"
      << "<value>true</value></rollingOrder></uplinkTeamingPolicy>";
    w.end_assign();
    w.end_object();
    return w.take();
  }

  std::vector<HostState> hosts_;
  std::vector<VmState> vms_;
  int clusters_ = 0;
  std::size_t object_count_ = 0;
};

std::size_t total_bytes(const std::vector<std::string>& bodies) {
  std::size_t n = 0;
  for (const std::string& b : bodies) n += b.size();
  return n;
}

// Compares the graph with what the generator last sent for every VM and host; returns the
// number of mismatches (printing the first few).
int check_state(const Snapshot& g, const VCenterId& vc, Datacenter& dc) {
  int bad = 0;
  const auto report = [&bad](const std::string& what) {
    if (++bad <= 5) std::printf("  MISMATCH: %s\n", what.c_str());
  };
  for (int v = 0; v < dc.vms(); ++v) {
    const VmState& s = dc.vm(v);
    const VmId id{vc, vm_moref(v)};
    const Vm* vm = g.find<Vm>(id);
    if (vm == nullptr) {
      report(id.moref + " missing");
      continue;
    }
    if (vm->host != HostId{vc, host_moref(s.host)})
      report(id.moref + " not on " + host_moref(s.host));
    if ((vm->power == PowerState::kPoweredOn) != s.powered_on) report(id.moref + " power");
    for (int n = 0; n < s.nics; ++n) {
      const VmNic* nic = g.find<VmNic>({id, 4000 + n});
      const int net = s.network[static_cast<std::size_t>(n)];
      VmNicBacking expected;
      if (net < kDvPortgroups) {
        expected.dv_portgroup = DvPortgroupId{vc, dv_portgroup(net)};
      } else {
        expected.standard_portgroup = standard_network(net);
      }
      if (nic == nullptr || !(nic->backing == expected)) {
        report(id.moref + " vNIC " + std::to_string(4000 + n) + " backing");
      }
    }
  }
  for (int h = 0; h < dc.hosts(); ++h) {
    const HostId id{vc, host_moref(h)};
    const auto* pg = g.find<StandardPortgroup>({id, "Backup"});
    const PortgroupVlan expected{VlanMode::kVlan, VlanSet::of({dc.host(h).backup_vlan})};
    if (pg == nullptr || !(pg->vlan == expected)) report(id.moref + " Backup portgroup VLAN");
  }
  return bad;
}

}  // namespace

int main(int argc, char** argv) {
  int hosts = 500;
  int vms = 10000;
  int updates = 50000;
  int batch = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--hosts")
      hosts = std::stoi(argv[i + 1]);
    else if (flag == "--vms")
      vms = std::stoi(argv[i + 1]);
    else if (flag == "--updates")
      updates = std::stoi(argv[i + 1]);
    else if (flag == "--batch")
      batch = std::stoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "vcenter_bench: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (argc % 2 == 0 || hosts < 2 || vms < 1 || updates < 0 || batch < 1) {
    std::fprintf(stderr,
                 "usage: vcenter_bench [--hosts N>=2] [--vms N>=1] [--updates N] [--batch N>=1]\n");
    return 2;
  }

  // ---- what vCenter sends (the simulator's side: not measured) ----
  const auto generate_start = Clock::now();
  Datacenter dc(hosts, vms);
  int version = 0;
  std::vector<std::string> initial = dc.initial_sync(version);
  const std::size_t initial_objects = dc.initial_objects();
  const std::size_t initial_bytes = total_bytes(initial);
  std::vector<std::string> stream = dc.updates(updates, batch, version);
  const std::size_t stream_bytes = total_bytes(stream);
  const double generate_secs = seconds_since(generate_start);

  testing::TempDir dir;
  const std::string db = dir.file("vcenter-bench.db");
  auto store = Store::open(db);
  const VCenterId vc("vc-bench");
  VCenter state{
      vc, "https://vc-bench.example.com/sdk", "4f2b8c1e-bench", SessionState::kConnected, true, 1,
      ""};
  vcenter::Inventory inventory(vc);
  Graph graph;
  bool ok = true;
  const auto fail = [&ok](const std::string& what) {
    std::printf("CHECK FAILED: %s\n", what.c_str());
    ok = false;
  };

  // ---- initial sync: every UpdateSet, then one graph batch and one transaction ----
  Phases init;
  Span init_whole;
  std::size_t init_updates = 0;
  GraphChanges init_changes;
  Delta published;  // as the session publishes it: the VCenter entity first
  {
    Timed whole(init_whole);
    Delta sync;
    {
      Timed timed(init.inventory);
      inventory.begin_resync();
    }
    for (std::size_t i = 0; i < initial.size(); ++i) {
      std::optional<vcenter::UpdateSet> set;
      {
        Timed timed(init.parse);
        set = vcenter::parse_wait_for_updates(std::move(initial[i]));
      }
      if (!set || set->truncated != (i + 1 < initial.size())) fail("initial UpdateSet truncation");
      if (!set) continue;
      for (const vcenter::FilterUpdate& f : set->filters) init_updates += f.objects.size();
      Timed timed(init.inventory);
      sync.append(inventory.apply(*set));
    }
    {
      Timed timed(init.inventory);
      sync.append(inventory.finish_resync());
      published.upsert(state);
      published.append(std::move(sync));
    }
    {
      Timed timed(init.graph);
      init_changes = graph.apply(published);
    }
    Timed timed(init.store);
    store->save(graph.current(), init_changes);
  }
  const std::size_t delta_ops = published.size();
  published = Delta();
  initial.clear();
  // The heap the inventory keeps after the sync (every object's properties and what it derived),
  // measured as what a copy of it allocates.
  std::size_t inventory_bytes = 0;
  {
    const std::size_t before = runtime::bytes_in_use();
    const vcenter::Inventory copy = inventory;
    inventory_bytes = runtime::bytes_in_use() - before;
  }

  // What the initial sync must have produced.
  const Snapshot& g = graph.current();
  const auto expect_count = [&fail](const char* what, std::size_t got, std::size_t want) {
    if (got != want) {
      fail(std::string(what) + ": " + std::to_string(got) + " in the graph, expected " +
           std::to_string(want));
    }
  };
  const auto check_counts = [&] {
    expect_count("VMs", g.count<Vm>(), static_cast<std::size_t>(vms));
    expect_count("vNICs", g.count<VmNic>(), dc.vnics());
    expect_count("hosts", g.count<Host>(), static_cast<std::size_t>(hosts));
    expect_count("clusters", g.count<Cluster>(), static_cast<std::size_t>(dc.clusters()));
    expect_count("pnics", g.count<Pnic>(), 4 * static_cast<std::size_t>(hosts));
    expect_count("vSwitches", g.count<VSwitch>(), 2 * static_cast<std::size_t>(hosts));
    expect_count("standard portgroups", g.count<StandardPortgroup>(),
                 3 * static_cast<std::size_t>(hosts));
    expect_count("vmknics", g.count<VmkNic>(), 2 * static_cast<std::size_t>(hosts));
    expect_count("DV portgroups", g.count<DvPortgroup>(), kDvPortgroups + 1);
    expect_count("distributed switches", g.count<DistributedSwitch>(), 1);
  };
  check_counts();
  if (init_updates != initial_objects) fail("initial sync: parsed ObjectUpdates");
  if (!inventory.take_refreshes().empty()) fail("initial sync asked for refreshes");
  const std::size_t init_entities = testing::entity_count(g);
  if (init_changes.changes.size() != init_entities) fail("initial sync: graph changes");
  {
    const auto* vs = g.find<VSwitch>({{vc, host_moref(0)}, std::string(kDvsName)});
    if (vs == nullptr || vs->dvs != DvsId{vc, std::string(kDvsMoref)} || vs->uplinks.size() != 2)
      fail("proxy switch of host 0 not linked to the DVS");
  }

  // ---- sustained updates: each UpdateSet one graph batch and one transaction ----
  // The expected final states are the generator's (it followed every update it wrote).
  Phases upd;
  Span upd_whole;
  std::size_t upd_updates = 0;
  std::size_t upd_changes = 0;
  std::size_t upd_ops = 0;  // upserts and removals the inventory derived
  std::size_t empty_batches = 0;
  {
    Timed whole(upd_whole);
    for (std::string& body : stream) {
      std::optional<vcenter::UpdateSet> set;
      {
        Timed timed(upd.parse);
        set = vcenter::parse_wait_for_updates(std::move(body));
      }
      if (!set) {
        fail("an update UpdateSet parsed as empty");
        continue;
      }
      for (const vcenter::FilterUpdate& f : set->filters) upd_updates += f.objects.size();
      Delta d;
      {
        Timed timed(upd.inventory);
        ++state.last_update_ms;  // the session stamps every publish
        d.upsert(state);
        d.append(inventory.apply(*set));
      }
      upd_ops += d.size();
      GraphChanges changes;
      {
        Timed timed(upd.graph);
        changes = graph.apply(d);
      }
      {
        Timed timed(upd.store);
        store->save(graph.current(), changes);
      }
      upd_changes += changes.changes.size();
      if (changes.changes.size() <= 1) ++empty_batches;  // only the VCenter stamp
    }
  }
  stream.clear();

  // ---- correctness of what was measured (not timed) ----
  check_counts();
  if (upd_updates != static_cast<std::size_t>(updates)) fail("updates: parsed ObjectUpdates");
  if (!inventory.take_refreshes().empty()) fail("updates asked for refreshes");
  if (empty_batches > 0) fail(std::to_string(empty_batches) + " update batches changed nothing");
  const int mismatches = check_state(graph.current(), vc, dc);
  if (mismatches > 0) fail(std::to_string(mismatches) + " VMs/hosts differ from the last update");
  {
    Graph loaded;
    loaded.apply(store->load());
    const std::string diff = testing::diff(loaded.current(), graph.current());
    if (!diff.empty()) fail("the graph reloaded from SQLite differs:\n" + diff);
    const std::vector<std::string> problems = store->check_integrity();
    if (!problems.empty()) fail("integrity check: " + problems.front());
  }

  // ---- report ----
  const double mb = 1024.0 * 1024.0;
  std::printf(
      "vcenter_bench: %d hosts in %d clusters, %d VMs with %zu vNICs, %d DV portgroups; "
      "%zu entities; %s\n",
      hosts, dc.clusters(), vms, dc.vnics(), kDvPortgroups + 1, init_entities, db.c_str());
  std::printf(
      "simulated vCenter (not measured): initial sync %zu objects in %zu UpdateSets of <= %d "
      "(%.1f MB), %d updates in %zu UpdateSets of <= %d (%.1f MB: %d vMotion, %d power, %d "
      "vNIC reconfig, %d host portgroup); generated in %.3f s\n",
      initial_objects, (initial_objects + kInitialSetSize - 1) / kInitialSetSize, kInitialSetSize,
      static_cast<double>(initial_bytes) / mb, updates,
      (static_cast<std::size_t>(updates) + static_cast<std::size_t>(batch) - 1) /
          static_cast<std::size_t>(batch),
      batch, static_cast<double>(stream_bytes) / mb, dc.vmotions_, dc.power_changes_, dc.reconfigs_,
      dc.portgroup_changes_, generate_secs);
  std::printf("%-44s %9s %-8s %10s %10s %15s\n", "phase", "count", "", "wall", "cpu",
              "rate (wall)");
  row("initial: parse_wait_for_updates", initial_objects, "objects", init.parse);
  std::printf("%-44s %9.1f %-8s %8.3f s %8.3f s %11.1f MB/s\n", "initial: parse (bytes)",
              static_cast<double>(initial_bytes) / mb, "MB", init.parse.wall, init.parse.cpu,
              static_cast<double>(initial_bytes) / mb / init.parse.wall);
  row("initial: Inventory begin/apply/finish_resync", initial_objects, "objects", init.inventory);
  row("initial: Graph::apply (1 batch)", delta_ops, "ops", init.graph);
  row("initial: Store::save (1 txn)", init_changes.changes.size(), "rows", init.store);
  row("initial: CPU path (parse+inventory+graph)", initial_objects, "objects", init.cpu_path());
  row("initial: total, bytes to durable graph", initial_objects, "objects", init.total());
  row("initial: total, wall clock", initial_objects, "objects", init_whole);
  row("updates: parse_wait_for_updates", upd_updates, "updates", upd.parse);
  row("updates: Inventory::apply", upd_updates, "updates", upd.inventory);
  row("updates: Graph::apply", upd_updates, "updates", upd.graph);
  row("updates: Store::save (1 txn per UpdateSet)", upd_updates, "updates", upd.store);
  row("updates: CPU path (parse+inventory+graph)", upd_updates, "updates", upd.cpu_path());
  row("updates: total, bytes to durable graph", upd_updates, "updates", upd.total());
  row("updates: total, wall clock", upd_updates, "updates", upd_whole);
  std::printf(
      "graph: initial batch %zu ops -> %zu changes; updates %zu ops (%.2f per ObjectUpdate) -> "
      "%zu changes (%.2f per ObjectUpdate)\n",
      delta_ops, init_changes.changes.size(), upd_ops,
      static_cast<double>(upd_ops) / static_cast<double>(std::max<std::size_t>(upd_updates, 1)),
      upd_changes,
      static_cast<double>(upd_changes) /
          static_cast<double>(std::max<std::size_t>(upd_updates, 1)));
  std::printf("memory: the Inventory after the initial sync %.1f MB, %.0f B per VM\n",
              static_cast<double>(inventory_bytes) / mb,
              static_cast<double>(inventory_bytes) / vms);
  std::printf("checks (counts, last update of every VM and host, SQLite reload, integrity): %s\n",
              ok ? "passed" : "FAILED");

  // The targets are judged on wall-clock time (CPU time shown for a loaded machine).
  constexpr double kSyncTarget = 5.0;
  constexpr double kRateTarget = 5000;
  const Span sync_time = init.total();
  const Span cpu_time = upd.cpu_path();
  const Span durable_time = upd.total();
  const bool sync_met = sync_time.wall < kSyncTarget;
  const bool cpu_met = updates == 0 || rate(upd_updates, cpu_time.wall) >= kRateTarget;
  const bool durable_met = updates == 0 || rate(upd_updates, durable_time.wall) >= kRateTarget;
  std::printf(
      "target: initial sync of %d VMs < %.0f s, bytes to durable graph: %s (%.3f s; cpu %.3f s)\n",
      vms, kSyncTarget, sync_met ? "met" : "MISSED", sync_time.wall, sync_time.cpu);
  std::printf(
      "target: sustained >= %.0f ObjectUpdates/s on one core, CPU path: %s (%.0f/s; cpu %.0f/s)\n",
      kRateTarget, cpu_met ? "met" : "MISSED", rate(upd_updates, cpu_time.wall),
      rate(upd_updates, cpu_time.cpu));
  std::printf("target: sustained >= %.0f ObjectUpdates/s with the store: %s (%.0f/s; cpu %.0f/s)\n",
              kRateTarget, durable_met ? "met" : "MISSED", rate(upd_updates, durable_time.wall),
              rate(upd_updates, durable_time.cpu));
  return ok && sync_met && cpu_met && durable_met ? 0 : 1;
}
