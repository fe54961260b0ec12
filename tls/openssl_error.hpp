// OpenSSL object ownership (unique_ptr with the matching free function) and
// turning OpenSSL's per-thread error queue into one readable line, for the
// context loaders and the sessions of tls/.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace sy::tls {

template <auto free_function>
struct OpenSslFree {
  template <class T>
  void operator()(T* object) const { free_function(object); }
};

using SslCtxPtr = std::unique_ptr<SSL_CTX, OpenSslFree<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, OpenSslFree<SSL_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslFree<X509_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslFree<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslFree<BIO_free_all>>;
using SslSessionPtr = std::shared_ptr<SSL_SESSION>;  // shared: one saved session may seed several connections

inline void free_x509_stack(STACK_OF(X509) * stack) { sk_X509_pop_free(stack, X509_free); }
using X509StackPtr = std::unique_ptr<STACK_OF(X509), OpenSslFree<free_x509_stack>>;

// Drains this thread's OpenSSL error queue into "reason (detail); reason ...",
// or `fallback` when the queue is empty.
std::string take_openssl_errors(const char* fallback = "unknown OpenSSL error");

}  // namespace sy::tls
