// Session parameters of a client or a server connection (the values the
// server reports with ParameterStatus, and the startup values a client asked
// for), and the SET statements that bring a server in line with a client.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sy::postgres {

// Parameters the pooler keeps equal between a client and the server it is
// linked to. PostgreSQL reports these with ParameterStatus, so a client's SET
// is seen and followed.
inline constexpr std::string_view kTrackedParameters[] = {
    "client_encoding", "DateStyle", "TimeZone", "IntervalStyle", "standard_conforming_strings", "application_name",
};

class ParameterSet {
 public:
  // GUC names are case-insensitive; the first spelling seen is kept.
  void set(std::string_view name, std::string_view value);
  const std::string* find(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
  void clear() {
    items_.clear();
    signature_.reset();
  }
  void erase(std::string_view name);
  // The tracked parameters and their values as one string (in name order),
  // rebuilt only after a change: two sets with the same signature need no
  // SET between them, which is the case at nearly every server link.
  const std::string& tracked_signature(const std::vector<std::string>& extra) const;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
  // Built on first use (an idle client never needs it), dropped on change;
  // immutable once built, so copies of the set may share it.
  struct Signature {
    std::string text;
    std::vector<std::string> extra;  // the extra tracked names it was built with
  };
  mutable std::shared_ptr<const Signature> signature_;
};

std::string parameter_key(std::string_view name);  // the name in ASCII lower case
bool same_parameter_name(std::string_view a, std::string_view b);
bool is_tracked(std::string_view name, const std::vector<std::string>& extra);

// "SET a TO 'x';SET b TO 'y';" for every tracked parameter whose value in
// `wanted` differs from `current`; empty when they agree.
std::string parameter_sync_sql(const ParameterSet& wanted, const ParameterSet& current,
                               const std::vector<std::string>& extra);

}  // namespace sy::postgres
