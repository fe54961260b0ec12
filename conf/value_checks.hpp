// The keys' own checks and conversions, named in their schema rows
// (bound<&HttpRoute::hosts, host_patterns>): what a value of the right type
// must also satisfy, and how it becomes the field (a "Name: value" text
// into a HeaderSetting). The generic reader reports each problem at the
// value; rules between keys stay in the section's loader.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/field_binding.hpp"
#include "conf/http_config.hpp"
#include "conf/status_ranges.hpp"

namespace sy::conf {

// [global] admin_socket: a path that fits a Unix socket address.
void unix_socket_path(std::string value, std::string& out, ValueProblems& problems);

// [backend.health_check], type = "http": what goes on the probe's request.
void http_method(std::string value, std::string& out, ValueProblems& problems);
void request_path(std::string value, std::string& out, ValueProblems& problems);
void host_header(std::string value, std::string& out, ValueProblems& problems);
void status_ranges(std::string value, std::vector<StatusRange>& out, ValueProblems& problems);

// [listener.http], [[listener.route]], [backend.http].
void header_name_or_empty(std::string value, std::string& out, ValueProblems& problems);
void absolute_path(std::string value, std::string& out, ValueProblems& problems);
void path_replacement(std::string value, std::optional<std::string>& out, ValueProblems& problems);
void cookie_name(std::string value, std::string& out, ValueProblems& problems);
void host_patterns(std::vector<std::string> values, std::vector<std::string>& out, ValueProblems& problems);
void method_names(std::vector<std::string> values, std::vector<std::string>& out, ValueProblems& problems);
void header_matches(std::vector<std::string> values, std::vector<HeaderMatch>& out, ValueProblems& problems);
void header_settings(std::vector<std::string> values, std::vector<HeaderSetting>& out, ValueProblems& problems);
void header_names(std::vector<std::string> values, std::vector<std::string>& out, ValueProblems& problems);

// [[user]].
void non_empty_text(std::string value, std::string& out, ValueProblems& problems);
void stored_password(std::string value, std::string& out, ValueProblems& problems);

// An HTTP token (RFC 9110 tchar): header names, methods, cookie names.
bool is_http_token(std::string_view text);

}  // namespace sy::conf
