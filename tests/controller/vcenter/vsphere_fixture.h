// Test inputs for the vCenter connector: the simulator captures in tests/fixtures/vsphere, and
// canned SOAP responses written the way a real vCenter writes them (xsi declared on the
// Envelope, `xsi:type` everywhere) for what the simulator cannot produce.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace vmfabric::testing {

inline std::string capture(const std::string& name) {
  const std::string path = std::string(VMFABRIC_SOURCE_DIR) + "/tests/fixtures/vsphere/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read fixture " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A response envelope around `content` (the method's response element, or a Fault).
inline std::string envelope(std::string_view content) {
  return std::string(
             R"(<?xml version="1.0" encoding="UTF-8"?>)"
             "\n"
             R"(<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" )"
             R"(xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" )"
             R"(xmlns:xsd="http://www.w3.org/2001/XMLSchema" )"
             R"(xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">)"
             "\n<soapenv:Body>\n") +
         std::string(content) + "\n</soapenv:Body>\n</soapenv:Envelope>";
}

// A WaitForUpdatesEx response with one filterSet holding `object_sets`.
inline std::string wait_response(std::string_view version, std::string_view object_sets,
                                 bool truncated = false) {
  return envelope(std::string(R"(<WaitForUpdatesExResponse xmlns="urn:vim25"><returnval>)") +
                  "<version>" + std::string(version) + "</version>" +
                  R"(<filterSet><filter type="PropertyFilter">session[52b6]52c1</filter>)" +
                  std::string(object_sets) + "</filterSet>" +
                  (truncated ? "<truncated>true</truncated>" : "") +
                  "</returnval></WaitForUpdatesExResponse>");
}

// A SOAP fault whose detail is a `type` fault, as vCenter sends it with HTTP 500.
inline std::string fault_response(std::string_view type, std::string_view fault_string,
                                  std::string_view detail_children = {}) {
  return envelope(std::string("<soapenv:Fault><faultcode>ServerFaultCode</faultcode>") +
                  "<faultstring>" + std::string(fault_string) + "</faultstring><detail><" +
                  std::string(type) + R"(Fault xmlns="urn:vim25" xsi:type=")" + std::string(type) +
                  "\">" + std::string(detail_children) + "</" + std::string(type) +
                  "Fault></detail></soapenv:Fault>");
}

}  // namespace vmfabric::testing
