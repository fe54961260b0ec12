// The checks of values that end up in HTTP requests and responses (header
// names and values, paths, hosts, methods); see value_checks.hpp. Checked
// here, at load, so the data path never has to.
#include <algorithm>
#include <cctype>

#include "conf/schema.hpp"
#include "conf/table_reader.hpp"
#include "conf/value_checks.hpp"

namespace sy::conf {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A header value switchyard may write: visible characters, spaces and tabs.
bool is_header_value(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
  });
}

// A token of visible characters: what may go on an HTTP request line or
// header value as written, without breaking the request.
bool is_plain_http_text(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c > ' ' && c < 127; });
}

// "Name: value" into its parts; an error message when it is not of that form.
std::string parse_header_setting(std::string_view text, HeaderSetting& out) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return "expected \"Name: value\", got " + quoted(text);
  std::string_view name = text.substr(0, colon);
  std::string_view value = trim(text.substr(colon + 1));
  if (!is_http_token(name)) return "invalid header name " + quoted(name) + " in " + quoted(text);
  if (!is_header_value(value)) return "invalid characters in the header value of " + quoted(name);
  out = {std::string(name), std::string(value)};
  return {};
}

bool is_host_pattern(std::string_view host) {
  if (host.starts_with("*.")) host.remove_prefix(2);
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

std::string key_of(const ValueProblems& problems) { return std::string(problems.spec.key); }

}  // namespace

bool is_http_token(std::string_view text) {
  static constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || specials.find(c) != std::string_view::npos;
  });
}

void http_method(std::string value, std::string& out, ValueProblems& problems) {
  if (value.empty() ||
      !std::all_of(value.begin(), value.end(), [](char c) { return (c >= 'A' && c <= 'Z') || c == '-' || c == '_'; }))
    return problems.add("method " + quoted(value) + " is not an HTTP method: use capital letters (GET)");
  out = std::move(value);
}

void request_path(std::string value, std::string& out, ValueProblems& problems) {
  if (!value.starts_with('/') || !is_plain_http_text(value))
    return problems.add("path " + quoted(value) + " must start with \"/\" and hold no spaces or control characters");
  out = std::move(value);
}

void host_header(std::string value, std::string& out, ValueProblems& problems) {
  if (value.empty() || !is_plain_http_text(value))
    return problems.add("host " + quoted(value) + " must be a non-empty name without spaces or control characters");
  out = std::move(value);
}

void status_ranges(std::string value, std::vector<StatusRange>& out, ValueProblems& problems) {
  auto parsed = parse_status_ranges(value);
  if (auto* problem = std::get_if<std::string>(&parsed)) return problems.add(key_of(problems) + ": " + *problem);
  out = std::move(std::get<std::vector<StatusRange>>(parsed));
}

void header_name_or_empty(std::string value, std::string& out, ValueProblems& problems) {
  if (!value.empty() && !is_http_token(value))
    return problems.add(key_of(problems) + " " + quoted(value) + " is not a valid header name");
  out = std::move(value);
}

void absolute_path(std::string value, std::string& out, ValueProblems& problems) {
  if (!value.starts_with("/")) return problems.add(key_of(problems) + " must start with \"/\", got " + quoted(value));
  out = std::move(value);
}

void path_replacement(std::string value, std::optional<std::string>& out, ValueProblems& problems) {
  if (!value.starts_with("/")) return problems.add(key_of(problems) + " must start with \"/\"");
  out = std::move(value);
}

void cookie_name(std::string value, std::string& out, ValueProblems& problems) {
  if (!is_http_token(value)) return problems.add(key_of(problems) + " " + quoted(value) + " is not a valid cookie name");
  out = std::move(value);
}

void host_patterns(std::vector<std::string> values, std::vector<std::string>& out, ValueProblems& problems) {
  out.clear();
  for (auto& host : values) {
    if (host.find(':') != std::string::npos)
      problems.add("host " + quoted(host) + ": hosts match without the port");
    else if (!is_host_pattern(host))
      problems.add("host " + quoted(host) + " is not a host name or \"*.\" followed by one");
    else
      out.push_back(lower(std::move(host)));
  }
}

void method_names(std::vector<std::string> values, std::vector<std::string>& out, ValueProblems& problems) {
  out.clear();
  for (auto& method : values) {
    if (!is_http_token(method))
      problems.add("method " + quoted(method) + " is not a valid method name");
    else if (std::any_of(method.begin(), method.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)); }))
      problems.add("method " + quoted(method) + ": methods are case-sensitive and upper case");
    else
      out.push_back(std::move(method));
  }
}

void header_matches(std::vector<std::string> values, std::vector<HeaderMatch>& out, ValueProblems& problems) {
  out.clear();
  for (const auto& condition : values) {
    auto colon = condition.find(':');
    HeaderMatch match;
    match.name = std::string(trim(std::string_view(condition).substr(0, colon)));
    if (colon != std::string::npos) match.value = std::string(trim(std::string_view(condition).substr(colon + 1)));
    if (!is_http_token(match.name))
      problems.add("invalid header name " + quoted(match.name) + " in " + quoted(condition));
    else
      out.push_back(std::move(match));
  }
}

void header_settings(std::vector<std::string> values, std::vector<HeaderSetting>& out, ValueProblems& problems) {
  out.clear();
  for (const auto& text : values) {
    HeaderSetting setting;
    if (auto problem = parse_header_setting(text, setting); !problem.empty())
      problems.add(key_of(problems) + ": " + problem);
    else
      out.push_back(std::move(setting));
  }
}

void header_names(std::vector<std::string> values, std::vector<std::string>& out, ValueProblems& problems) {
  out.clear();
  for (auto& name : values) {
    if (!is_http_token(name)) problems.add(key_of(problems) + ": invalid header name " + quoted(name));
    else out.push_back(std::move(name));
  }
}

}  // namespace sy::conf
