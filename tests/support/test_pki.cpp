#include "support/test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <stdexcept>

namespace vmfabric::testing {

namespace {

struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertDeleter {
  void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using Cert = std::unique_ptr<X509, CertDeleter>;

Key make_key() {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) throw std::runtime_error("test PKI: EC key generation failed");
  return key;
}

void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  if (ext == nullptr) throw std::runtime_error("test PKI: bad X509 extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A CA or server certificate for `key`, issued by `issuer` (self-signed when null). `san` is an
// OpenSSL subjectAltName value, or empty.
Cert make_cert(EVP_PKEY* key, const std::string& cn, bool ca, const std::string& san, X509* issuer,
               EVP_PKEY* issuer_key) {
  static long serial = 1;
  const bool self_signed = issuer == nullptr;
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), self_signed ? name : X509_get_subject_name(issuer));
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, self_signed ? cert.get() : issuer, cert.get(), nullptr, nullptr, 0);
  add_extension(cert.get(), &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
  add_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  if (ca) {
    add_extension(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature");
    add_extension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth");
  }
  if (!san.empty()) add_extension(cert.get(), &ctx, NID_subject_alt_name, san);
  if (X509_sign(cert.get(), self_signed ? key : issuer_key, EVP_sha256()) == 0) {
    throw std::runtime_error("test PKI: X509_sign failed for " + cn);
  }
  return cert;
}

template <class Write>
std::string to_pem(Write write) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (write(bio.get()) != 1) throw std::runtime_error("test PKI: PEM write failed");
  char* data = nullptr;
  const long len = BIO_ctrl(bio.get(), BIO_CTRL_INFO, 0, &data);  // BIO_get_mem_data
  return std::string(data, static_cast<std::size_t>(len));
}

std::string cert_pem(X509* cert) {
  return to_pem([&](BIO* b) { return PEM_write_bio_X509(b, cert); });
}

std::string key_pem(EVP_PKEY* key) {
  return to_pem([&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
}

std::string fingerprint_sha256(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert, EVP_sha256(), md, &len);
  std::string out;
  char hex[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", md[i]);
    out += hex;
  }
  return out;
}

}  // namespace

struct TestCa::Impl {
  Key key = make_key();
  Cert cert;
};

TestCa::TestCa(const std::string& common_name) : impl_(std::make_unique<Impl>()) {
  impl_->cert = make_cert(impl_->key.get(), common_name, true, "", nullptr, nullptr);
}

TestCa::~TestCa() = default;

std::string TestCa::cert_pem() const { return testing::cert_pem(impl_->cert.get()); }

ServerIdentity TestCa::issue(const std::string& common_name, const std::string& san) const {
  const Key key = make_key();
  const Cert cert =
      make_cert(key.get(), common_name, false, san, impl_->cert.get(), impl_->key.get());
  return {testing::cert_pem(cert.get()), key_pem(key.get()), fingerprint_sha256(cert.get())};
}

ServerIdentity self_signed(const std::string& common_name, const std::string& san) {
  const Key key = make_key();
  const Cert cert = make_cert(key.get(), common_name, false, san, nullptr, nullptr);
  return {cert_pem(cert.get()), key_pem(key.get()), fingerprint_sha256(cert.get())};
}

TestPki make_test_pki(const TempDir& dir) {
  const TestCa ca("vmfabric test CA");
  const TestCa other("unrelated CA");
  const ServerIdentity server = ca.issue("127.0.0.1", "IP:127.0.0.1,DNS:localhost");
  TestPki pki;
  pki.ca_file = dir.write("ca.pem", ca.cert_pem());
  pki.other_ca_file = dir.write("other-ca.pem", other.cert_pem());
  pki.cert_file = dir.write("server.pem", server.cert_pem);
  pki.key_file = dir.write("server-key.pem", server.key_pem);
  pki.fingerprint_sha256 = server.fingerprint;
  return pki;
}

}  // namespace vmfabric::testing
