// TlsContextStore: the TLS server context built from a certificate chain and
// a private key (PEM files), replaced as a whole on reload.
//
// reload() reads both files again and builds a fresh context; only when that
// succeeds does it become current(), so a bad file on SIGHUP leaves the
// server serving with the certificate it had. Connections hold the context
// they were accepted with (a shared_ptr), so a reload drops no connection.
// TLS 1.2 and 1.3 only, the OpenSSL default cipher lists otherwise.
// Thread-safety: not thread-safe; owned by the control thread (the listener
// and the signal handler both run there).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "core/expected.hpp"

namespace wshub::tls {

class TlsContextStore {
 public:
  // Errors: a file cannot be read, is not PEM, or the key does not match the
  // certificate (message names the file and OpenSSL's reason).
  static core::Expected<TlsContextStore, std::string> load(std::string cert_file, std::string key_file);

  const std::shared_ptr<boost::asio::ssl::context>& current() const noexcept { return current_; }
  // How many times the context was replaced since start.
  std::uint64_t reloads() const noexcept { return reloads_; }

  // On error, current() is unchanged.
  core::Expected<void, std::string> reload();

 private:
  TlsContextStore(std::string cert_file, std::string key_file) noexcept
      : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}

  std::string cert_file_;
  std::string key_file_;
  std::shared_ptr<boost::asio::ssl::context> current_;
  std::uint64_t reloads_ = 0;
};

}  // namespace wshub::tls
