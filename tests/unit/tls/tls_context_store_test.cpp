// TlsContextStore: loading, refusing bad or mismatched files, and a reload
// that fails keeping the context that was current.
#include "tls/tls_context_store.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace wshub::tls {
namespace {

namespace fs = std::filesystem;

struct Pem {
  std::string cert;
  std::string key;
};

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// A fresh P-256 key and a self-signed certificate for it, as PEM text.
Pem self_signed(const char* common_name) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), name);
  X509_sign(cert.get(), key.get(), EVP_sha256());
  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(BIO_new(BIO_s_mem()), BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(cert_bio.get(), cert.get());
  PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return {bio_string(cert_bio.get()), bio_string(key_bio.get())};
}

class TlsContextStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("wshub-tls-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  fs::path dir_;
};

TEST_F(TlsContextStoreTest, LoadsAMatchingCertificateAndKey) {
  const Pem pem = self_signed("a.test");
  auto store = TlsContextStore::load(write("cert.pem", pem.cert), write("key.pem", pem.key));
  ASSERT_TRUE(store) << store.error();
  ASSERT_NE(store->current(), nullptr);
  EXPECT_NE(SSL_CTX_get0_certificate(store->current()->native_handle()), nullptr);
  EXPECT_EQ(store->reloads(), 0u);
}

TEST_F(TlsContextStoreTest, RefusesAMissingFileNamingIt) {
  const Pem pem = self_signed("a.test");
  auto store = TlsContextStore::load((dir_ / "absent.pem").string(), write("key.pem", pem.key));
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find("tls_cert_file"), std::string::npos) << store.error();
  EXPECT_NE(store.error().find("absent.pem"), std::string::npos) << store.error();
}

TEST_F(TlsContextStoreTest, RefusesAKeyThatIsNotPem) {
  const Pem pem = self_signed("a.test");
  auto store = TlsContextStore::load(write("cert.pem", pem.cert), write("key.pem", "not a key\n"));
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find("tls_key_file"), std::string::npos) << store.error();
}

TEST_F(TlsContextStoreTest, RefusesAKeyOfAnotherCertificate) {
  const Pem one = self_signed("one.test");
  const Pem two = self_signed("two.test");
  auto store = TlsContextStore::load(write("cert.pem", one.cert), write("key.pem", two.key));
  ASSERT_FALSE(store);
  // OpenSSL itself notices while loading the key ("key values mismatch").
  EXPECT_NE(store.error().find("tls_key_file"), std::string::npos) << store.error();
  EXPECT_NE(store.error().find("mismatch"), std::string::npos) << store.error();
}

TEST_F(TlsContextStoreTest, ReloadReplacesTheContextAndAFailedReloadKeepsIt) {
  const Pem one = self_signed("one.test");
  const auto cert = write("cert.pem", one.cert);
  const auto key = write("key.pem", one.key);
  auto store = TlsContextStore::load(cert, key);
  ASSERT_TRUE(store) << store.error();
  const auto first = store->current();

  const Pem two = self_signed("two.test");
  write("cert.pem", two.cert);
  write("key.pem", two.key);
  ASSERT_TRUE(store->reload());
  EXPECT_NE(store->current(), first);
  EXPECT_EQ(store->reloads(), 1u);
  const auto second = store->current();

  write("key.pem", one.key);  // mismatched: the reload must fail and change nothing
  auto failed = store->reload();
  ASSERT_FALSE(failed);
  EXPECT_EQ(store->current(), second);
  EXPECT_EQ(store->reloads(), 1u);
}

}  // namespace
}  // namespace wshub::tls
