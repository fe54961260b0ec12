// Reading and cross-checking the PostgreSQL front's sections; see
// postgres_loader.hpp.
#include "conf/postgres_loader.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace sy::conf {
namespace {

// One `"user" "password"` line of a PgBouncer userlist; "" inside a quoted
// field is a literal quote. Returns false when the line is not of that form.
bool parse_userlist_line(std::string_view line, std::string& user, std::string& password) {
  size_t i = 0;
  auto skip_space = [&] {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
  };
  auto quoted_field = [&](std::string& out) {
    skip_space();
    if (i >= line.size() || line[i] != '"') return false;
    ++i;
    out.clear();
    while (i < line.size()) {
      if (line[i] == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          out += '"';
          i += 2;
          continue;
        }
        ++i;
        return true;
      }
      out += line[i++];
    }
    return false;
  };
  if (!quoted_field(user) || !quoted_field(password)) return false;
  skip_space();
  return i == line.size();
}

void read_auth_file(const std::string& path, SourcePosition at, PostgresGlobal& global, Diagnostics& diagnostics) {
  std::ifstream in(path);
  if (!in) {
    diagnostics.add(at, "[postgres]: cannot read auth_file " + quoted(path) + ": " + std::strerror(errno));
    return;
  }
  std::string line;
  for (unsigned number = 1; std::getline(in, line); ++number) {
    std::string_view text(line);
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    if (text.empty() || text.front() == ';' || text.front() == '#' || text == "\r") continue;
    std::string user, password;
    if (!parse_userlist_line(text, user, password)) {
      diagnostics.add(at, "[postgres]: auth_file " + path + ":" + std::to_string(number) +
                              ": expected \"user\" \"password\"");
      continue;
    }
    global.auth_file_users[user] = password;
  }
}

void read_global(const toml::table& table, PostgresGlobal& global, Diagnostics& diagnostics) {
  TableReader reader(table, "postgres", diagnostics);
  reader.read_keys(global);
  if (!global.auth_file.empty()) read_auth_file(global.auth_file, value_position(table, "auth_file"), global, diagnostics);
  report_unknown_keys(table, "postgres", diagnostics);
}

// The rules between a database's keys, once each key is read, and its
// derived default.
void check_database(const toml::table& table, Database& database, TableReader& reader) {
  if (!table.contains("dbname")) database.dbname = database.name;  // the "the name" default of the schema row
  if (database.split_reads && database.pool_mode != PoolMode::transaction)
    reader.error_at("split_reads", "split_reads needs pool_mode = \"transaction\"");
  if (database.min_pool_size > database.pool_size)
    reader.error_at("min_pool_size", "min_pool_size " + std::to_string(database.min_pool_size) +
                                         " is larger than pool_size " + std::to_string(database.pool_size));
  if (!database.server_user.empty() && database.server_password.empty() && !table.contains("server_password"))
    reader.error_at("server_user", "server_user needs server_password");
}

Database read_database(const toml::table& table, Diagnostics& diagnostics) {
  Database database;
  database.position = position_of(table);
  TableReader reader(table, "database", diagnostics);
  reader.read_key("name", database);
  if (!database.name.empty()) reader.set_subject("database " + quoted(database.name));
  reader.read_keys(database);
  check_database(table, database, reader);
  report_unknown_keys(table, "database", diagnostics);
  return database;
}

User read_user(const toml::table& table, Diagnostics& diagnostics) {
  User user;
  user.position = position_of(table);
  TableReader reader(table, "user", diagnostics);
  reader.read_key("name", user);
  if (!user.name.empty()) reader.set_subject("user " + quoted(user.name));
  reader.read_keys(user);
  report_unknown_keys(table, "user", diagnostics);
  return user;
}

void check_database_backends(const Config& config, const DefinedNames& backends,
                             const std::vector<const toml::table*>& tables, Diagnostics& diagnostics) {
  for (size_t i = 0; i < config.databases.size(); ++i) {
    const Database& database = config.databases[i];
    if (database.backend.empty() || backends.contains(database.backend)) continue;
    std::string message = "database " + quoted(database.name) + ": backend " + quoted(database.backend) + " is not defined";
    if (auto suggestion = backends.nearest(database.backend)) message += "; did you mean " + quoted(*suggestion) + "?";
    diagnostics.add(value_position(*tables[i], "backend"), std::move(message));
  }
}

}  // namespace

void read_postgres_sections(const toml::table& root, Config& config, const DefinedNames& backends,
                            Diagnostics& diagnostics) {
  const toml::table* global_table = single_table(root, "postgres", "", diagnostics);
  if (global_table) read_global(*global_table, config.postgres, diagnostics);

  auto database_tables = repeated_tables(root, "database", "", diagnostics);
  for (const toml::table* table : database_tables) config.databases.push_back(read_database(*table, diagnostics));
  auto user_tables = repeated_tables(root, "user", "", diagnostics);
  for (const toml::table* table : user_tables) config.users.push_back(read_user(*table, diagnostics));

  report_duplicate_names(config.databases, database_tables, "", "database", diagnostics);
  report_duplicate_names(config.users, user_tables, "", "user", diagnostics);
  check_database_backends(config, backends, database_tables, diagnostics);

  const std::string& auth_user = config.postgres.auth_user;
  if (!auth_user.empty()) {
    const User* user = config.find_user(auth_user);
    if (!user || user->password.empty())
      diagnostics.add(value_position(*global_table, "auth_user"),
                      "[postgres]: auth_user " + quoted(auth_user) + " must be a [[user]] with a password");
  }
}

}  // namespace sy::conf
