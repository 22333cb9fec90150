#include "tls/tls_context_store.hpp"

#include <openssl/ssl.h>

#include <boost/system/error_code.hpp>

namespace wshub::tls {

namespace ssl = boost::asio::ssl;

namespace {

core::Expected<std::shared_ptr<ssl::context>, std::string> build(const std::string& cert_file,
                                                                 const std::string& key_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) return core::unexpected("tls_cert_file " + cert_file + ": " + ec.message());
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) return core::unexpected("tls_key_file " + key_file + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return core::unexpected("tls_key_file " + key_file + " does not match the certificate in " + cert_file);
  }
  return ctx;
}

}  // namespace

core::Expected<TlsContextStore, std::string> TlsContextStore::load(std::string cert_file, std::string key_file) {
  TlsContextStore store(std::move(cert_file), std::move(key_file));
  auto ctx = build(store.cert_file_, store.key_file_);
  if (!ctx) return core::unexpected(ctx.error());
  store.current_ = std::move(*ctx);
  return store;
}

TlsContextStore::TlsContextStore(TlsContextStore&& other) noexcept
    : cert_file_(std::move(other.cert_file_)), key_file_(std::move(other.key_file_)) {
  const std::lock_guard lock(other.mutex_);
  current_ = std::move(other.current_);
  reloads_ = other.reloads_;
}

std::shared_ptr<ssl::context> TlsContextStore::current() const {
  const std::lock_guard lock(mutex_);
  return current_;
}

std::uint64_t TlsContextStore::reloads() const {
  const std::lock_guard lock(mutex_);
  return reloads_;
}

core::Expected<void, std::string> TlsContextStore::reload() {
  // Files are read and the context built without the lock: accepts go on meanwhile.
  auto ctx = build(cert_file_, key_file_);
  if (!ctx) return core::unexpected(ctx.error());
  std::shared_ptr<ssl::context> previous = std::move(*ctx);
  {
    const std::lock_guard lock(mutex_);
    current_.swap(previous);
    ++reloads_;
  }
  return {};  // `previous` is released here, outside the lock (connections may still hold it)
}

}  // namespace wshub::tls
