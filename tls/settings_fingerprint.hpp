// What a client context was made of, as one comparable string: its
// settings and the bytes of the files they name (CA bundle, client
// certificate and key). Two contexts with equal fingerprints verify and
// authenticate the same way, so a pooled server connection made with one
// may serve on under the other; a reload that changes a setting or a file
// changes the fingerprint (proxy/postgres retires such connections).
#pragma once

#include <string>

#include "tls/settings.hpp"

namespace sy::tls {

// A SHA-256 in hex; a file that cannot be read counts by its name alone
// (creating the context fails on it anyway).
std::string settings_fingerprint(const ClientSettings& settings);

}  // namespace sy::tls
