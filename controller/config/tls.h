// The TLS policy of an HTTP client from a peer's configured trust (vCenters and switches alike).
#pragma once

#include "config/config.h"
#include "net/http_client.h"

namespace vmfabric {

inline net::TlsPolicy tls_policy(bool https, const TlsTrust& trust) {
  net::TlsPolicy tls;
  tls.enabled = https;
  tls.ca_file = trust.ca_file;
  tls.fingerprint_sha256 = trust.fingerprint_sha256;
  tls.insecure = trust.insecure;
  return tls;
}

}  // namespace vmfabric
