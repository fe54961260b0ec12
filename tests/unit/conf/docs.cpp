// docs/configuration.md against the schema table: every key documented in
// its section with the table's type, default and reload flag, and nothing
// documented that the table does not have.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "conf/schema.hpp"

using namespace sy::conf;

namespace {

std::string read_docs() {
  std::ifstream in(SWITCHYARD_SOURCE_DIR "/docs/configuration.md");
  REQUIRE_MESSAGE(in.good(), "cannot open docs/configuration.md");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The lines under each "## " heading, keyed by the heading text.
std::map<std::string, std::vector<std::string>> sections_of(const std::string& docs) {
  std::map<std::string, std::vector<std::string>> sections;
  std::vector<std::string>* current = nullptr;
  std::istringstream lines(docs);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("## ")) {
      current = &sections[line.substr(3)];
    } else if (current) {
      current->push_back(line);
    }
  }
  return sections;
}

// "| `key` | type | default | reload |": the start of a key's row.
std::string expected_row(const KeySpec& spec) {
  std::string default_cell = spec.required ? "required" : "`" + std::string(spec.default_text) + "`";
  return "| `" + std::string(spec.key) + "` | " + std::string(to_string(spec.type)) + " | " + default_cell + " | " +
         (spec.reloadable ? "yes" : "no") + " | ";
}

}  // namespace

TEST_CASE("docs: every schema key has a row in its section of docs/configuration.md") {
  auto sections = sections_of(read_docs());
  for (const KeySpec& spec : config_keys()) {
    std::string heading = section_header(*find_section(spec.section));
    std::string row = expected_row(spec);
    CAPTURE(heading);
    CAPTURE(row);
    REQUIRE(sections.count(heading) == 1);
    const auto& lines = sections[heading];
    bool found =
        std::any_of(lines.begin(), lines.end(), [&](const std::string& line) { return line.starts_with(row); });
    CHECK_MESSAGE(found, "docs/configuration.md has no row starting with ", row, " under ## ", heading);
  }
}

TEST_CASE("docs: every documented key row is a key of the schema") {
  auto sections = sections_of(read_docs());
  for (const SectionSpec& section : config_sections()) {
    std::string heading = section_header(section);
    for (const std::string& line : sections[heading]) {
      if (!line.starts_with("| `")) continue;
      std::string key = line.substr(3, line.find('`', 3) - 3);
      CAPTURE(heading);
      CAPTURE(line);
      CHECK_MESSAGE(find_key(section.name, key) != nullptr, "documented key ", key, " is not in the schema");
    }
  }
}

TEST_CASE("docs: the syntax sections and --check are explained") {
  std::string docs = read_docs();
  CHECK(docs.find("switchyard --check") != std::string::npos);
  CHECK(docs.find("file:line:col: message") != std::string::npos);
  for (const char* term : {"**duration**", "**size**", "**address**", "**name**"}) {
    CAPTURE(term);
    CHECK(docs.find(term) != std::string::npos);
  }
}

TEST_CASE("docs: every documented section is a section of the schema, and each key row appears once") {
  auto sections = sections_of(read_docs());
  size_t documented = 0;
  for (const auto& [heading, lines] : sections) {
    if (!heading.starts_with("[")) continue;  // prose sections: "Checking a file", "Reloading"...
    ++documented;
    CAPTURE(heading);
    const SectionSpec* known = nullptr;
    for (const SectionSpec& section : config_sections())
      if (section_header(section) == heading) known = &section;
    CHECK_MESSAGE(known != nullptr, "documented section ", heading, " is not in the schema");
    std::set<std::string> keys;
    for (const std::string& line : lines) {
      if (!line.starts_with("| `")) continue;
      std::string key = line.substr(3, line.find('`', 3) - 3);
      CHECK_MESSAGE(keys.insert(key).second, "key ", key, " documented twice under ", heading);
    }
  }
  CHECK(documented == config_sections().size());
}

TEST_CASE("docs: the Reloading section names every key a reload cannot apply") {
  auto sections = sections_of(read_docs());
  REQUIRE(sections.count("Reloading") == 1);
  std::string text;
  for (const std::string& line : sections["Reloading"]) text += line + "\n";
  for (const KeySpec& spec : config_keys()) {
    if (spec.reloadable) continue;
    CAPTURE(spec.key);
    CHECK(text.find("`" + std::string(spec.key) + "`") != std::string::npos);
  }
}
