// Reading and cross-checking the PostgreSQL front's sections; see
// postgres_loader.hpp.
#include "conf/postgres_loader.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace sy::conf {
namespace {

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

// Catches the common mistakes in stored credentials; the full SCRAM parse
// happens where the verifier is used.
std::string password_problem(std::string_view password) {
  if (password.starts_with("md5") && password.size() != 35 && is_hex(password.substr(3)))
    return "looks like an md5 hash but is not \"md5\" followed by 32 hex digits";
  if (password.starts_with("SCRAM-SHA-256$")) {
    auto dollar = password.find('$', 14);
    auto colon = password.find(':', 14);
    if (dollar == std::string_view::npos || colon == std::string_view::npos || colon > dollar ||
        password.find(':', dollar) == std::string_view::npos)
      return "a SCRAM verifier must read SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>";
  }
  return {};
}

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
  reader.read("auth_file", global.auth_file);
  reader.read("auth_user", global.auth_user);
  reader.read("auth_query", global.auth_query);
  reader.read("max_client_conn", global.max_client_conn);
  reader.read("track_parameters", global.track_parameters);
  reader.read("read_only_functions", global.read_only_functions);
  if (!global.auth_file.empty()) read_auth_file(global.auth_file, value_position(table, "auth_file"), global, diagnostics);
  report_unknown_keys(table, "postgres", diagnostics);
}

Database read_database(const toml::table& table, Diagnostics& diagnostics) {
  Database database;
  database.position = position_of(table);
  TableReader reader(table, "database", diagnostics);
  reader.read("name", database.name);
  if (!database.name.empty()) reader.set_subject("database " + quoted(database.name));
  reader.read("backend", database.backend);
  database.dbname = database.name;
  reader.read("dbname", database.dbname);
  reader.read_enum_list("auth", database.auth);
  reader.read_enum("pool_mode", database.pool_mode);
  reader.read("pool_size", database.pool_size);
  reader.read("min_pool_size", database.min_pool_size);
  reader.read("reserve_pool", database.reserve_pool);
  reader.read("reserve_pool_timeout", database.reserve_pool_timeout);
  reader.read("max_db_connections", database.max_db_connections);
  reader.read("max_client_conn", database.max_client_conn);
  reader.read("server_lifetime", database.server_lifetime);
  reader.read("server_idle_timeout", database.server_idle_timeout);
  reader.read("query_wait_timeout", database.query_wait_timeout);
  reader.read("idle_transaction_timeout", database.idle_transaction_timeout);
  reader.read("query_timeout", database.query_timeout);
  reader.read("server_reset_query", database.server_reset_query);
  reader.read("max_prepared_statements", database.max_prepared_statements);
  reader.read("server_user", database.server_user);
  reader.read("server_password", database.server_password);
  reader.read_enum("target", database.target);
  reader.read("max_replica_lag", database.max_replica_lag);
  reader.read("max_replica_lag_bytes", database.max_replica_lag_bytes);
  reader.read("failover_timeout", database.failover_timeout);
  reader.read("split_reads", database.split_reads);
  reader.read("read_your_writes", database.read_your_writes);
  if (database.split_reads && database.pool_mode != PoolMode::transaction)
    reader.error_at("split_reads", "split_reads needs pool_mode = \"transaction\"");
  if (database.min_pool_size > database.pool_size)
    reader.error_at("min_pool_size", "min_pool_size " + std::to_string(database.min_pool_size) +
                                         " is larger than pool_size " + std::to_string(database.pool_size));
  if (!database.server_user.empty() && database.server_password.empty() && !table.contains("server_password"))
    reader.error_at("server_user", "server_user needs server_password");
  report_unknown_keys(table, "database", diagnostics);
  return database;
}

User read_user(const toml::table& table, Diagnostics& diagnostics) {
  User user;
  user.position = position_of(table);
  TableReader reader(table, "user", diagnostics);
  reader.read("name", user.name);
  if (!user.name.empty()) reader.set_subject("user " + quoted(user.name));
  if (table.contains("name") && user.name.empty()) reader.error_at("name", "name must not be empty");
  reader.read("password", user.password);
  if (auto problem = password_problem(user.password); !problem.empty()) reader.error_at("password", "password " + problem);
  report_unknown_keys(table, "user", diagnostics);
  return user;
}

void check_database_backends(const Config& config, const std::vector<const toml::table*>& tables,
                             Diagnostics& diagnostics) {
  std::vector<std::string_view> names;
  for (const Backend& backend : config.backends) names.push_back(backend.name);
  for (size_t i = 0; i < config.databases.size(); ++i) {
    const Database& database = config.databases[i];
    if (database.backend.empty() || config.find_backend(database.backend)) continue;
    std::string message = "database " + quoted(database.name) + ": backend " + quoted(database.backend) + " is not defined";
    if (auto suggestion = nearest_match(database.backend, names)) message += "; did you mean " + quoted(*suggestion) + "?";
    diagnostics.add(value_position(*tables[i], "backend"), std::move(message));
  }
}

}  // namespace

void read_postgres_sections(const toml::table& root, Config& config, Diagnostics& diagnostics) {
  const toml::table* global_table = single_table(root, "postgres", "", diagnostics);
  if (global_table) read_global(*global_table, config.postgres, diagnostics);

  auto database_tables = repeated_tables(root, "database", "", diagnostics);
  for (const toml::table* table : database_tables) config.databases.push_back(read_database(*table, diagnostics));
  auto user_tables = repeated_tables(root, "user", "", diagnostics);
  for (const toml::table* table : user_tables) config.users.push_back(read_user(*table, diagnostics));

  report_duplicate_names(config.databases, database_tables, "", "database", diagnostics);
  report_duplicate_names(config.users, user_tables, "", "user", diagnostics);
  check_database_backends(config, database_tables, diagnostics);

  const std::string& auth_user = config.postgres.auth_user;
  if (!auth_user.empty()) {
    const User* user = config.find_user(auth_user);
    if (!user || user->password.empty())
      diagnostics.add(value_position(*global_table, "auth_user"),
                      "[postgres]: auth_user " + quoted(auth_user) + " must be a [[user]] with a password");
  }
}

}  // namespace sy::conf
