// The reload decision: which changes between the running configuration and
// a newly loaded one a reload cannot apply. Read from the schema table
// (KeySpec::reloadable), comparing each such key through its row's binding.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "conf/schema.hpp"

namespace sy::conf {

// One "<key> changed: takes effect after a restart" message per key with
// reloadable == false whose value differs between `current` and `next`
// ("workers changed: ...", "listener \"web\": protocol changed: ..." for
// keys of sections other than [global]). Repeated sections are matched by
// name; one added or removed is the reload's to apply, not a restart's.
std::vector<std::string> changes_needing_restart(const Config& current, const Config& next);
// The same over the given rows instead of config_keys() (for tests).
std::vector<std::string> changes_needing_restart(const Config& current, const Config& next,
                                                 std::span<const KeySpec> keys);

// One table of a section inside a Config: the struct its keys fill, and how
// messages name it ("" for [global], "backend \"db\" server \"pg1\"").
struct SectionInstance {
  std::string label;
  const void* owner = nullptr;  // &owner_tag<the struct's type>
  const void* target = nullptr;
};

// Every table of `section` in `config`, in order.
std::vector<SectionInstance> section_instances(const Config& config, std::string_view section);

}  // namespace sy::conf
