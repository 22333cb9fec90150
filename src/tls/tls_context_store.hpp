// TlsContextStore: the TLS server context built from a certificate chain and
// a private key (PEM files), replaced as a whole on reload.
//
// reload() reads both files again and builds a fresh context; only when that
// succeeds does it become current(), so a bad file on SIGHUP leaves the
// server serving with the certificate it had. Connections hold the context
// they were accepted with (a shared_ptr), so a reload drops no connection.
// TLS 1.2 and 1.3 only, the OpenSSL default cipher lists otherwise.
//
// Thread-safety: current() and reloads() may be called from any thread
// (every shard reads current() at accept), concurrently with reload(), which
// the control thread calls on SIGHUP. A mutex guards the shared_ptr and is
// held only to copy or swap it: never while reading files or building a
// context. load() and the move constructor are start-up only (the store is
// not shared yet).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/expected.hpp"

namespace wshub::tls {

class TlsContextStore {
 public:
  // Errors: a file cannot be read, is not PEM, or the key does not match the
  // certificate (message names the file and OpenSSL's reason).
  static core::Expected<TlsContextStore, std::string> load(std::string cert_file, std::string key_file);

  // REQUIRES: `other` is not used by another thread.
  TlsContextStore(TlsContextStore&& other) noexcept;
  TlsContextStore& operator=(TlsContextStore&&) = delete;

  // A copy: the caller keeps the context alive for as long as it needs it.
  std::shared_ptr<boost::asio::ssl::context> current() const;
  // How many times the context was replaced since start.
  std::uint64_t reloads() const;

  // On error, current() is unchanged.
  core::Expected<void, std::string> reload();

 private:
  TlsContextStore(std::string cert_file, std::string key_file) noexcept
      : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}

  std::string cert_file_;
  std::string key_file_;
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> current_;  // GUARDED_BY(mutex_)
  std::uint64_t reloads_ = 0;                           // GUARDED_BY(mutex_)
};

}  // namespace wshub::tls
