// Certificates made at test time with OpenSSL (EC P-256, valid for a day): CAs, the server
// identities they issue, and self-signed ones, as PEM. Nothing is read from or sent anywhere.
#pragma once

#include <memory>
#include <string>

#include "support/temp_dir.h"

namespace vmfabric::testing {

// A server's certificate and key, as PEM.
struct ServerIdentity {
  std::string cert_pem;
  std::string key_pem;
  std::string fingerprint;  // SHA-256 of the certificate's DER, 64 lowercase hex digits
};

class TestCa {
 public:
  explicit TestCa(const std::string& common_name);
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  std::string cert_pem() const;
  // A server certificate named `common_name`; `san` is an OpenSSL subjectAltName value
  // ("IP:127.0.0.1,DNS:localhost").
  ServerIdentity issue(const std::string& common_name, const std::string& san) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A server certificate that signs itself.
ServerIdentity self_signed(const std::string& common_name, const std::string& san);

// A CA and a server certificate it issued for 127.0.0.1 and localhost, plus an unrelated CA,
// as PEM files in `dir`.
struct TestPki {
  std::string ca_file;
  std::string other_ca_file;       // did not issue cert_file: verifying with it must fail
  std::string cert_file;           // the server certificate
  std::string key_file;            // its private key (unencrypted PEM)
  std::string fingerprint_sha256;  // SHA-256 of cert_file's DER, 64 lowercase hex digits
};
TestPki make_test_pki(const TempDir& dir);

}  // namespace vmfabric::testing
