// Admin commands about TLS: the certificates each TLS listener serves now
// (after the last reload), with their expiry.
#pragma once

#include <optional>

#include "proxy/admin/commands.hpp"

namespace sy::admin {

struct Request;

std::optional<Reply> show_certificates(Request& request);

}  // namespace sy::admin
