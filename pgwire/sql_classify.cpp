// classify_statement(): a lexer that finds literals, comments and statement
// ends exactly where PostgreSQL's scan.l does, feeding either a small
// transaction-control parser or the read-only query check.
#include "pgwire/sql_classify.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace sy::pgwire {
namespace {

// ---- Word tables --------------------------------------------------------

// clang-format off
// Reserved and column-name keywords (pg_get_keywords() catcode R and C) that
// are such in every PostgreSQL from 12 on. None of them can name a function
// unqualified, so "WORD(" is syntax: IN (, EXISTS (, CAST(, numeric(10,2)...
// Left out on purpose: normalize (a plain name before 13), system_user (before
// 16) and treat, because TREAT(x AS t) calls the function pg_catalog.t.
constexpr std::array<std::string_view, 126> kNonCallKeywords = {
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "between",
    "bigint", "bit", "boolean", "both", "case", "cast", "char", "character", "check", "coalesce",
    "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role",
    "current_time", "current_timestamp", "current_user", "dec", "decimal", "default", "deferrable",
    "desc", "distinct", "do", "else", "end", "except", "exists", "extract", "false", "fetch",
    "float", "for", "foreign", "from", "grant", "greatest", "group", "grouping", "having", "in",
    "initially", "inout", "int", "integer", "intersect", "interval", "into", "lateral", "leading",
    "least", "limit", "localtime", "localtimestamp", "national", "nchar", "none", "not", "null",
    "nullif", "numeric", "offset", "on", "only", "or", "order", "out", "overlay", "placing",
    "position", "precision", "primary", "real", "references", "returning", "row", "select",
    "session_user", "setof", "smallint", "some", "substring", "symmetric", "table", "then", "time",
    "timestamp", "to", "trailing", "trim", "true", "union", "unique", "user", "using", "values",
    "varchar", "variadic", "when", "where", "window", "with", "xmlattributes", "xmlconcat",
    "xmlelement", "xmlexists", "xmlforest", "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot",
    "xmlserialize", "xmltable"};

// Every other keyword of PostgreSQL 12 to 18 (unreserved and type/function-name
// ones). Only used to tell a plain identifier from a keyword, so a word too many
// here merely makes the check stricter.
constexpr std::array<std::string_view, 366> kOtherKeywords = {
    "abort", "absent", "absolute", "access", "action", "add", "admin", "after", "aggregate", "also",
    "alter", "always", "asensitive", "assertion", "assignment", "at", "atomic", "attach",
    "attribute", "authorization", "backward", "before", "begin", "binary", "breadth", "by", "cache",
    "call", "called", "cascade", "cascaded", "catalog", "chain", "characteristics", "checkpoint",
    "class", "close", "cluster", "collation", "columns", "comment", "comments", "commit",
    "committed", "compression", "concurrently", "conditional", "configuration", "conflict",
    "connection", "constraints", "content", "continue", "conversion", "copy", "cost", "cross",
    "csv", "cube", "current", "current_schema", "cursor", "cycle", "data", "database", "day",
    "deallocate", "declare", "defaults", "deferred", "definer", "delete", "delimiter", "delimiters",
    "depends", "depth", "detach", "dictionary", "disable", "discard", "document", "domain",
    "double", "drop", "each", "empty", "enable", "encoding", "encrypted", "enforced", "enum",
    "error", "escape", "event", "exclude", "excluding", "exclusive", "execute", "explain",
    "expression", "extension", "external", "family", "filter", "finalize", "first", "following",
    "force", "format", "forward", "freeze", "full", "function", "functions", "generated", "global",
    "granted", "groups", "handler", "header", "hold", "hour", "identity", "if", "ilike",
    "immediate", "immutable", "implicit", "import", "include", "including", "increment", "index",
    "indexes", "inherit", "inherits", "inline", "inner", "input", "insensitive", "insert",
    "instead", "invoker", "is", "isnull", "isolation", "join", "json", "json_array",
    "json_arrayagg", "json_exists", "json_object", "json_objectagg", "json_query", "json_scalar",
    "json_serialize", "json_table", "json_value", "keep", "key", "keys", "label", "language",
    "large", "last", "leakproof", "left", "level", "like", "listen", "load", "local", "location",
    "lock", "locked", "logged", "mapping", "match", "matched", "materialized", "maxvalue", "merge",
    "merge_action", "method", "minute", "minvalue", "mode", "month", "move", "name", "names",
    "natural", "nested", "new", "next", "nfc", "nfd", "nfkc", "nfkd", "no", "normalize",
    "normalized", "nothing", "notify", "notnull", "nowait", "nulls", "object", "objects", "of",
    "off", "oids", "old", "omit", "operator", "option", "options", "ordinality", "others", "outer",
    "over", "overlaps", "overriding", "owned", "owner", "parallel", "parameter", "parser",
    "partial", "partition", "passing", "password", "path", "period", "plan", "plans", "policy",
    "preceding", "prepare", "prepared", "preserve", "prior", "privileges", "procedural",
    "procedure", "procedures", "program", "publication", "quote", "quotes", "range", "read",
    "reassign", "recheck", "recursive", "ref", "referencing", "refresh", "reindex", "relative",
    "release", "rename", "repeatable", "replace", "replica", "reset", "restart", "restrict",
    "return", "returns", "revoke", "right", "role", "rollback", "rollup", "routine", "routines",
    "rows", "rule", "savepoint", "scalar", "schema", "schemas", "scroll", "search", "second",
    "security", "sequence", "sequences", "serializable", "server", "session", "set", "sets",
    "share", "show", "similar", "simple", "skip", "snapshot", "sql", "stable", "standalone",
    "start", "statement", "statistics", "stdin", "stdout", "storage", "stored", "strict", "string",
    "strip", "subscription", "support", "sysid", "system", "system_user", "tables", "tablesample",
    "tablespace", "temp", "template", "temporary", "text", "ties", "transaction", "transform",
    "treat", "trigger", "truncate", "trusted", "type", "types", "uescape", "unbounded",
    "uncommitted", "unconditional", "unencrypted", "unknown", "unlisten", "unlogged", "until",
    "update", "vacuum", "valid", "validate", "validator", "value", "varying", "verbose", "version",
    "view", "views", "virtual", "volatile", "whitespace", "within", "without", "work", "wrapper",
    "write", "xml", "year", "yes", "zone"};

// pg_catalog functions that only read: pure or stable ones, plus a few volatile
// ones that still write nothing (random, clock_timestamp, pg_sleep...). Not here
// on purpose: nextval, setval, currval and lastval (sequence state),
// txid_current (assigns an xid), set_config, pg_advisory_*lock*, pg_notify,
// lo_*, dblink*, pg_current_wal_lsn (fails on a replica) and all the rest.
constexpr std::array<std::string_view, 197> kReadOnlyFunctions = {
    "abs", "age", "array_agg", "array_append", "array_cat", "array_dims", "array_length",
    "array_lower", "array_position", "array_positions", "array_prepend", "array_remove",
    "array_replace", "array_to_json", "array_to_string", "array_upper", "avg", "bit_and", "bit_or",
    "bool_and", "bool_or", "btrim", "cardinality", "ceil", "ceiling", "char_length",
    "character_length", "clock_timestamp", "concat", "concat_ws", "count", "cume_dist",
    "current_database", "current_schema", "current_schemas", "current_setting", "current_user",
    "date_bin", "date_part", "date_trunc", "decode", "dense_rank", "div", "encode", "every", "exp",
    "extract", "first_value", "floor", "format", "gen_random_uuid", "generate_series",
    "generate_subscripts", "has_column_privilege", "has_database_privilege", "has_schema_privilege",
    "has_table_privilege", "inet_client_addr", "inet_client_port", "inet_server_addr",
    "inet_server_port", "initcap", "isfinite", "json_agg", "json_array_elements",
    "json_array_elements_text", "json_array_length", "json_build_array", "json_build_object",
    "json_each", "json_each_text", "json_extract_path", "json_extract_path_text", "json_object",
    "json_object_agg", "json_object_keys", "json_typeof", "jsonb_agg", "jsonb_array_elements",
    "jsonb_array_elements_text", "jsonb_array_length", "jsonb_build_array", "jsonb_build_object",
    "jsonb_each", "jsonb_each_text", "jsonb_extract_path", "jsonb_extract_path_text",
    "jsonb_insert", "jsonb_object_agg", "jsonb_object_keys", "jsonb_path_exists",
    "jsonb_path_match", "jsonb_path_query", "jsonb_path_query_array", "jsonb_path_query_first",
    "jsonb_pretty", "jsonb_set", "jsonb_strip_nulls", "jsonb_typeof", "justify_days",
    "justify_hours", "justify_interval", "lag", "last_value", "lead", "left", "length", "ln", "log",
    "lower", "lpad", "ltrim", "make_date", "make_interval", "make_time", "make_timestamp",
    "make_timestamptz", "max", "md5", "min", "mod", "mode", "now", "nth_value", "ntile",
    "octet_length", "percent_rank", "percentile_cont", "percentile_disc", "pg_backend_pid",
    "pg_is_in_recovery", "pg_last_wal_receive_lsn", "pg_last_wal_replay_lsn",
    "pg_last_xact_replay_timestamp", "pg_postmaster_start_time", "pg_relation_size",
    "pg_size_pretty", "pg_sleep", "pg_table_size", "pg_total_relation_size", "pg_typeof",
    "position", "power", "quote_ident", "quote_literal", "quote_nullable", "random", "rank",
    "regexp_match", "regexp_matches", "regexp_replace", "regexp_split_to_array",
    "regexp_split_to_table", "repeat", "replace", "reverse", "right", "round", "row_number",
    "row_to_json", "rpad", "rtrim", "session_user", "sha256", "sign", "split_part", "sqrt",
    "starts_with", "statement_timestamp", "stddev", "stddev_pop", "stddev_samp", "string_agg",
    "string_to_array", "strpos", "substr", "substring", "sum", "timeofday", "to_char", "to_date",
    "to_hex", "to_json", "to_jsonb", "to_number", "to_timestamp", "transaction_timestamp",
    "translate", "trunc", "txid_current_if_assigned", "unnest", "upper", "var_pop", "var_samp",
    "variance", "version", "width_bucket"};

// clang-format on

static_assert(std::is_sorted(kNonCallKeywords.begin(), kNonCallKeywords.end()));
static_assert(std::is_sorted(kOtherKeywords.begin(), kOtherKeywords.end()));
static_assert(std::is_sorted(kReadOnlyFunctions.begin(), kReadOnlyFunctions.end()));

char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

// SQL folds unquoted names to lower case; only ASCII letters fold.
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower_ascii(a[i]) != lower_ascii(b[i])) return false;
  }
  return true;
}

bool has_upper_ascii(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// Case-insensitive lookup in a sorted table of lower-case words.
template <size_t N>
bool in_table(const std::array<std::string_view, N>& table, std::string_view word) {
  auto entry_less = [](std::string_view entry, std::string_view key) {
    for (size_t i = 0; i < entry.size() && i < key.size(); ++i) {
      auto e = uint8_t(entry[i]), k = uint8_t(lower_ascii(key[i]));
      if (e != k) return e < k;
    }
    return entry.size() < key.size();
  };
  auto it = std::lower_bound(table.begin(), table.end(), word, entry_less);
  return it != table.end() && iequals(*it, word);
}

bool one_of(std::string_view word, std::initializer_list<std::string_view> words) {
  return std::any_of(words.begin(), words.end(), [&](std::string_view w) { return iequals(word, w); });
}

// ---- Lexer --------------------------------------------------------------

enum class TokenKind : uint8_t {
  end,
  error,         // unterminated quote or comment, or bytes PostgreSQL would reject
  word,          // unquoted identifier or keyword, as written
  quoted_name,   // "name": text is what is between the quotes
  escaped_name,  // U&"name": its text is not the name, so it never matches a function
  literal,       // any string constant
  number,
  param,     // $1
  typecast,  // ::
  punct,     // one character: ( ) [ ] , ; . : or an operator character
};

struct Token {
  TokenKind kind = TokenKind::end;
  std::string_view text;
  bool after_dot = false;  // follows '.', so it is a name part and never a keyword

  bool is(char c) const { return kind == TokenKind::punct && text[0] == c; }
  bool is_name() const {
    return kind == TokenKind::word || kind == TokenKind::quoted_name || kind == TokenKind::escaped_name;
  }
  bool is_word(std::string_view lower) const { return kind == TokenKind::word && iequals(text, lower); }
  // A keyword stands only where a name part cannot: not after '.'.
  bool is_keyword(std::string_view lower) const { return is_word(lower) && !after_dot; }
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_newline(char c) { return c == '\n' || c == '\r'; }
bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || uint8_t(c) >= 0x80;
}
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c) || c == '$'; }
bool is_punct(char c) { return std::string_view("(),;[].:+-*/<>=~!@#%^&|`?").find(c) != std::string_view::npos; }

// How a string body treats '' and backslashes: standard '...' and U&'...';
// E'...' (and '...' when standard_conforming_strings is off); B'...' and X'...',
// which end at the first quote.
enum class QuoteStyle { standard, backslash, bits };

class Lexer {
 public:
  Lexer(std::string_view sql, bool plain_strings_take_backslashes)
      : sql_(sql), plain_backslashes_(plain_strings_take_backslashes) {}

  Token next() {
    if (failed_) return error();
    Token token = scan();
    token.after_dot = after_dot_;
    after_dot_ = token.is('.');
    failed_ = token.kind == TokenKind::error;
    return token;
  }

  // Whether some plain '...' held a backslash: only then does the
  // standard_conforming_strings setting change where literals end.
  bool saw_backslash_in_plain_string() const { return saw_plain_backslash_; }

 private:
  static constexpr size_t npos = std::string_view::npos;

  char at(size_t i) const { return i < sql_.size() ? sql_[i] : '\0'; }

  Token token(TokenKind kind, size_t begin, size_t end) {
    pos_ = end;
    return Token{kind, sql_.substr(begin, end - begin)};
  }
  static Token error() { return Token{TokenKind::error, {}}; }

  Token scan() {
    if (!skip_space_and_comments()) return error();
    if (pos_ >= sql_.size()) return Token{};
    size_t begin = pos_;
    char c = sql_[begin];
    if (c == '\'') return string_literal(begin, begin + 1, plain_style(), true);
    if (c == '"') return quoted_name(begin + 1, TokenKind::quoted_name);
    if (is_ident_start(c)) return word_or_prefixed_string(begin);
    if (is_digit(c) || (c == '.' && is_digit(at(begin + 1)))) return number(begin);
    if (c == '$') return dollar(begin);
    if (c == ':' && at(begin + 1) == ':') return token(TokenKind::typecast, begin, begin + 2);
    if (is_punct(c)) return token(TokenKind::punct, begin, begin + 1);
    return error();  // NUL, backslash, braces, control bytes: PostgreSQL rejects them too
  }

  size_t line_end(size_t p) const {
    while (p < sql_.size() && !is_newline(sql_[p])) ++p;
    return p;
  }

  // Block comments nest; "/*" and "*/" are recognised anywhere inside one,
  // even inside what looks like an operator, as scan.l does.
  bool skip_space_and_comments() {
    while (pos_ < sql_.size()) {
      char c = sql_[pos_];
      if (is_space(c)) {
        ++pos_;
      } else if (c == '-' && at(pos_ + 1) == '-') {
        pos_ = line_end(pos_);
      } else if (c == '/' && at(pos_ + 1) == '*') {
        size_t depth = 1, p = pos_ + 2;
        while (depth > 0) {
          if (p + 1 >= sql_.size()) return false;
          if (sql_[p] == '/' && sql_[p + 1] == '*') {
            ++depth;
            p += 2;
          } else if (sql_[p] == '*' && sql_[p + 1] == '/') {
            --depth;
            p += 2;
          } else {
            ++p;
          }
        }
        pos_ = p;
      } else {
        break;
      }
    }
    return true;
  }

  QuoteStyle plain_style() const { return plain_backslashes_ ? QuoteStyle::backslash : QuoteStyle::standard; }

  Token word_or_prefixed_string(size_t begin) {
    char prefix = lower_ascii(sql_[begin]);
    char next = at(begin + 1);
    if (next == '\'') {
      if (prefix == 'e') return string_literal(begin, begin + 2, QuoteStyle::backslash, false);
      if (prefix == 'b' || prefix == 'x') return string_literal(begin, begin + 2, QuoteStyle::bits, false);
      if (prefix == 'n') return string_literal(begin, begin + 2, plain_style(), true);
    }
    if (prefix == 'u' && next == '&') {
      // PostgreSQL refuses U&'...' outright when standard_conforming_strings is off.
      if (at(begin + 2) == '\'') {
        return plain_backslashes_ ? error() : string_literal(begin, begin + 3, QuoteStyle::standard, false);
      }
      if (at(begin + 2) == '"') return quoted_name(begin + 3, TokenKind::escaped_name);
    }
    size_t end = begin + 1;
    while (end < sql_.size() && is_ident_char(sql_[end])) ++end;
    return token(TokenKind::word, begin, end);
  }

  Token string_literal(size_t begin, size_t body, QuoteStyle style, bool plain) {
    size_t p = body;
    for (;;) {
      p = string_body_end(p, style, plain);
      if (p == npos) return error();
      // 'a' <newline> 'b' is one literal, and the second part is read in the
      // style of the first: E'a'\n'\'' is one E-string.
      size_t reopened = continuation(p);
      if (reopened == npos) break;
      p = reopened;
    }
    return token(TokenKind::literal, begin, p);
  }

  // Where the body starting at `p` ends (just past its closing quote), or npos.
  size_t string_body_end(size_t p, QuoteStyle style, bool plain) {
    while (p < sql_.size()) {
      char c = sql_[p];
      if (c == '\'') {
        if (style != QuoteStyle::bits && at(p + 1) == '\'') {
          p += 2;
          continue;
        }
        return p + 1;
      }
      if (c == '\\') {
        if (plain) saw_plain_backslash_ = true;
        if (style == QuoteStyle::backslash) {
          // After a non-ASCII byte this 0x5C may be the second byte of a SJIS,
          // BIG5 or GBK character rather than an escape: the server, reading the
          // client encoding, could end the literal here where we would not.
          if (uint8_t(sql_[p - 1]) >= 0x80 || p + 1 >= sql_.size()) return npos;
          p += 2;
          continue;
        }
      }
      ++p;
    }
    return npos;
  }

  // scan.l's quote continuation: spaces and -- comments, at least one newline,
  // then a quote. Returns the position just past that quote, or npos.
  size_t continuation(size_t p) const {
    while (p < sql_.size()) {
      char c = sql_[p];
      if (c == ' ' || c == '\t' || c == '\f' || c == '\v') {
        ++p;
      } else if (c == '-' && at(p + 1) == '-') {
        p = line_end(p);
      } else {
        break;
      }
    }
    if (p >= sql_.size() || !is_newline(sql_[p])) return npos;
    ++p;
    while (p < sql_.size()) {
      char c = sql_[p];
      if (is_space(c)) {
        ++p;
      } else if (c == '-' && at(p + 1) == '-') {
        p = line_end(p);
        if (p >= sql_.size()) return npos;
        ++p;
      } else {
        break;
      }
    }
    return at(p) == '\'' && p < sql_.size() ? p + 1 : npos;
  }

  Token quoted_name(size_t body, TokenKind kind) {
    size_t p = body;
    for (; p < sql_.size(); ++p) {
      if (sql_[p] != '"') continue;
      if (at(p + 1) != '"') break;
      ++p;
    }
    if (p >= sql_.size() || p == body) return error();  // unterminated, or "" (PostgreSQL rejects it)
    Token name = token(kind, body, p);
    pos_ = p + 1;
    return name;
  }

  // Digits, a fraction, an exponent. Anything glued to it (1e, 0x1F, 1_000,
  // 1abc) is an error: PostgreSQL 15+ rejects it, older versions split it.
  Token number(size_t begin) {
    size_t p = begin;
    while (is_digit(at(p))) ++p;
    if (at(p) == '.' && at(p + 1) != '.') {
      ++p;
      while (is_digit(at(p))) ++p;
    }
    if (at(p) == 'e' || at(p) == 'E') {
      size_t q = p + 1;
      if (at(q) == '+' || at(q) == '-') ++q;
      if (!is_digit(at(q))) return error();
      p = q;
      while (is_digit(at(p))) ++p;
    }
    if (p < sql_.size() && is_ident_char(sql_[p])) return error();
    return token(TokenKind::number, begin, p);
  }

  // $1, or a $tag$ ... $tag$ literal.
  Token dollar(size_t begin) {
    size_t p = begin + 1;
    if (is_digit(at(p))) {
      while (is_digit(at(p))) ++p;
      if (p < sql_.size() && is_ident_char(sql_[p])) return error();
      return token(TokenKind::param, begin, p);
    }
    if (at(p) != '$') {
      if (p >= sql_.size() || !is_ident_start(sql_[p])) return error();
      while (p < sql_.size() && (is_ident_start(sql_[p]) || is_digit(sql_[p]))) ++p;
      if (at(p) != '$' || p >= sql_.size()) return error();
    }
    std::string_view delimiter = sql_.substr(begin, p + 1 - begin);
    size_t close = sql_.find(delimiter, p + 1);
    if (close == npos) return error();
    return token(TokenKind::literal, begin, close + delimiter.size());
  }

  std::string_view sql_;
  size_t pos_ = 0;
  bool plain_backslashes_;
  bool saw_plain_backslash_ = false;
  bool after_dot_ = false;
  bool failed_ = false;
};

// ---- Read-only queries --------------------------------------------------

bool is_write_word(std::string_view word) { return one_of(word, {"insert", "update", "delete", "merge", "into"}); }

// Words that may continue a type name after :: or AS: character varying(10),
// double precision, timestamp with time zone, interval day to second(3).
bool is_type_continuation(std::string_view word) {
  return one_of(word, {"character", "char", "varying", "precision", "with", "without", "time", "zone", "year", "month",
                       "day", "hour", "minute", "second", "to"});
}

bool is_any_keyword(std::string_view word) {
  return in_table(kNonCallKeywords, word) || in_table(kOtherKeywords, word);
}

// An identifier that cannot be a keyword: a quoted name, a name part after
// '.', or a word PostgreSQL has never reserved for anything.
bool is_plain_name(const Token& token) {
  if (token.kind == TokenKind::quoted_name || token.kind == TokenKind::escaped_name) return true;
  return token.kind == TokenKind::word && (token.after_dot || !is_any_keyword(token.text));
}

// `name` as it would be folded equals `lower` (a lower-case name).
bool name_equals(const Token& name, std::string_view lower) {
  if (name.kind == TokenKind::word) return iequals(name.text, lower);
  if (name.kind != TokenKind::quoted_name || name.text.size() != lower.size()) return false;
  for (size_t i = 0; i < lower.size(); ++i) {
    if (name.text[i] != lower_ascii(lower[i])) return false;
  }
  return true;
}

bool is_builtin_function(const Token& name) {
  if (name.kind == TokenKind::quoted_name && has_upper_ascii(name.text)) return false;
  return name.kind != TokenKind::escaped_name && in_table(kReadOnlyFunctions, name.text);
}

// A possibly qualified name: schema.function.
struct NameChain {
  std::array<Token, 3> parts;
  size_t count = 0;
  bool too_long = false;
  Token before, before2;                    // the two tokens ahead of its first part
  bool before_is_expression_start = false;  // before is the ")" of DISTINCT ON (...) or OPERATOR(...)
};

bool matches_extra(const NameChain& chain, std::string_view extra) {
  size_t part = 0;
  while (!extra.empty() && part < chain.count) {
    size_t dot = extra.find('.');
    std::string_view piece = extra.substr(0, dot);
    if (piece.empty() || !name_equals(chain.parts[part++], piece)) return false;
    extra = dot == std::string_view::npos ? std::string_view() : extra.substr(dot + 1);
    if (dot != std::string_view::npos && extra.empty()) return false;  // "schema."
  }
  return extra.empty() && part == chain.count;
}

// Fed the tokens of a statement that starts with SELECT, WITH, VALUES or
// TABLE (after any parentheses); says whether it provably writes nothing.
class ReadOnlyCheck {
 public:
  explicit ReadOnlyCheck(const ClassifyOptions& options) : options_(options) {}

  // False as soon as the statement is not provably read-only.
  bool feed(const Token& t) {
    if (t.kind == TokenKind::error) return false;
    if (ended_) return t.is(';');
    if (!started_ && !t.is('(')) {
      if (!(t.is_keyword("select") || t.is_keyword("with") || t.is_keyword("values") || t.is_keyword("table"))) {
        return false;
      }
      started_ = true;
    }
    if (t.kind == TokenKind::word && is_write_word(t.text)) return false;
    if (prev(0).is_keyword("for") && t.kind == TokenKind::word && one_of(t.text, {"update", "share", "no", "key"})) {
      return false;  // FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE
    }

    Frame& frame = frames_[depth_];
    if (frame.at_start) {
      frame.at_start = false;
      frame.with_list = t.is_keyword("with");
    } else if (frame.with_list && (t.is_keyword("select") || t.is_keyword("values") || t.is_keyword("table") ||
                                   (t.is('(') && prev(0).is(')')))) {
      frame.with_list = false;  // the main statement after the CTEs
    }

    if (t.is('(')) {
      if (prev(0).is_name() && is_call() && !is_allowed_call()) return false;
      if (depth_ + 1 >= frames_.size()) return false;
      frames_[++depth_] = Frame{};
      frames_[depth_].expression_follows = prev(0).is_keyword("on") || prev(0).is_keyword("operator");
    } else if (t.is(')')) {
      if (depth_ == 0) return false;
      closed_before_expression_ = frames_[depth_--].expression_follows;
    } else if (t.is(';')) {
      if (depth_ != 0) return false;
      ended_ = true;
    }
    track_type_name(t);
    track_name_chain(t);
    history_ = {t, history_[0], history_[1]};
    return true;
  }

  bool finish() const { return started_ && depth_ == 0; }

 private:
  // One level of parentheses.
  struct Frame {
    bool at_start = true;    // no token inside yet
    bool with_list = false;  // inside WITH ... before its main statement
    // Opened by DISTINCT ON or OPERATOR: an expression may follow its ")".
    bool expression_follows = false;
  };
  enum class TypeName { none, expected, inside };

  const Token& prev(size_t back) const { return history_[back]; }

  // After :: or AS comes a type or alias name; "(" right after it holds type
  // modifiers or column names, never a call.
  void track_type_name(const Token& t) {
    if (t.kind == TokenKind::typecast || t.is_keyword("as")) {
      type_name_ = TypeName::expected;
    } else if (type_name_ == TypeName::expected && t.is_name()) {
      type_name_ = TypeName::inside;
    } else if (type_name_ == TypeName::inside && t.is('.')) {
      type_name_ = TypeName::expected;
    } else if (type_name_ != TypeName::inside || t.kind != TokenKind::word || t.after_dot ||
               !is_type_continuation(t.text)) {
      type_name_ = TypeName::none;
    }
  }

  void track_name_chain(const Token& t) {
    if (t.is_name()) {
      if (t.after_dot && dot_after_name_) {
        if (chain_.count < chain_.parts.size()) {
          chain_.parts[chain_.count++] = t;
        } else {
          chain_.too_long = true;
        }
      } else {
        chain_ = NameChain{{t}, 1, false, prev(0), prev(1), prev(0).is(')') && closed_before_expression_};
      }
    }
    dot_after_name_ = t.is('.') && prev(0).is_name();
  }

  // Whether the name just before "(" calls a function. Anything not shown to be
  // something else is a call.
  bool is_call() const {
    if (type_name_ == TypeName::inside) return false;
    if (chain_.count > 1 || chain_.too_long || chain_.before.is('.')) return true;
    const Token& name = chain_.parts[0];
    const Token& before = chain_.before;
    if (name.kind == TokenKind::word && in_table(kNonCallKeywords, name.text)) return false;
    if (before.is_keyword("with") || before.is_keyword("recursive")) return false;  // WITH name(cols) AS
    if (before.is(',') && frames_[depth_].with_list) return false;                  // , name(cols) AS
    // An operand never directly precedes a call, so after ")" or a plain name
    // this is an alias's column list, OVER (, FILTER (, or a JOIN/LIKE keyword.
    // DISTINCT ON (a) f(x) and OPERATOR(s.+) f(x) are the exceptions.
    if ((before.is(')') && !chain_.before_is_expression_start) || is_plain_name(before)) return false;
    return !is_keyword_pair(name, before, chain_.before2);
  }

  // Keyword sequences whose last word is followed by "(" in the grammar.
  static bool is_keyword_pair(const Token& name, const Token& before, const Token& before2) {
    if (name.kind != TokenKind::word) return false;
    std::string_view n = name.text;
    auto before_is = [&](std::initializer_list<std::string_view> words) {
      return before.kind == TokenKind::word && !before.after_dot && one_of(before.text, words);
    };
    if (iequals(n, "join")) return before_is({"inner", "left", "right", "full", "outer", "cross", "natural"});
    if (iequals(n, "by")) return before_is({"order", "group", "partition"});
    if (iequals(n, "sets")) return before_is({"grouping"});
    if (one_of(n, {"rollup", "cube"})) return before_is({"by"}) && before2.is_keyword("group");
    if (iequals(n, "zone")) return before_is({"time"}) && before2.is_keyword("at");
    if (one_of(n, {"first", "next"})) return before_is({"fetch"});
    if (iequals(n, "materialized")) return before_is({"not"}) && before2.is_keyword("as");
    if (one_of(n, {"bernoulli", "system"})) return before_is({"tablesample"});
    return before_is({"ordinality"}) && before2.is_keyword("with");  // WITH ORDINALITY alias(cols)
  }

  bool is_allowed_call() const {
    if (chain_.too_long || chain_.before.is('.')) return false;
    if (chain_.count == 1 && is_builtin_function(chain_.parts[0])) return true;
    if (chain_.count == 2 && name_equals(chain_.parts[0], "pg_catalog") && is_builtin_function(chain_.parts[1])) {
      return true;
    }
    const auto& extras = options_.extra_read_only_functions;
    return std::any_of(extras.begin(), extras.end(),
                       [&](std::string_view extra) { return matches_extra(chain_, extra); });
  }

  const ClassifyOptions& options_;
  std::array<Frame, 256> frames_{};
  size_t depth_ = 0;
  bool started_ = false;
  bool ended_ = false;
  std::array<Token, 3> history_{};
  TypeName type_name_ = TypeName::none;
  NameChain chain_;
  bool dot_after_name_ = false;
  bool closed_before_expression_ = false;  // the last ")" closed DISTINCT ON (...) or OPERATOR(...)
};

// ---- Transaction control ------------------------------------------------

// The tokens of a short statement, without its trailing semicolons.
struct ShortStatement {
  std::array<Token, 32> tokens;
  size_t count = 0;
  bool ok = true;  // one statement, lexed cleanly, short enough
};

ShortStatement read_short_statement(Lexer& lexer) {
  ShortStatement statement;
  bool ended = false;
  for (Token t = lexer.next(); t.kind != TokenKind::end; t = lexer.next()) {
    if (t.is(';')) {
      ended = true;
      continue;
    }
    if (t.kind == TokenKind::error || ended || statement.count == statement.tokens.size()) {
      statement.ok = false;
      break;
    }
    statement.tokens[statement.count++] = t;
  }
  return statement;
}

class WordReader {
 public:
  explicit WordReader(const ShortStatement& statement) : statement_(statement) {}
  bool take(std::string_view keyword) {
    if (done() || !statement_.tokens[next_].is_keyword(keyword)) return false;
    ++next_;
    return true;
  }
  bool take_comma() {
    if (done() || !statement_.tokens[next_].is(',')) return false;
    ++next_;
    return true;
  }
  bool done() const { return next_ == statement_.count; }
  void skip_work_or_transaction() {
    if (!take("work")) take("transaction");
  }

 private:
  const ShortStatement& statement_;
  size_t next_ = 0;
};

struct TransactionModes {
  bool ok = true;
  bool read_only = false;
  bool read_write = false;  // both given: PostgreSQL keeps the last; we say read-write either way
};

// transaction_mode [[,] transaction_mode ...] up to the end of the statement.
TransactionModes read_transaction_modes(WordReader& reader) {
  TransactionModes modes;
  bool first = true;
  while (!reader.done()) {
    if (!first && reader.take_comma() && reader.done()) return {false};
    first = false;
    if (reader.take("isolation")) {
      if (!reader.take("level")) return {false};
      if (reader.take("serializable")) continue;
      if (reader.take("repeatable") && reader.take("read")) continue;
      if (reader.take("read") && (reader.take("committed") || reader.take("uncommitted"))) continue;
      return {false};
    }
    if (reader.take("read")) {
      if (reader.take("only")) {
        modes.read_only = true;
      } else if (reader.take("write")) {
        modes.read_write = true;
      } else {
        return {false};
      }
      continue;
    }
    if (reader.take("deferrable") || (reader.take("not") && reader.take("deferrable"))) continue;
    return {false};
  }
  return modes;
}

// [AND NO CHAIN] ends the transaction; AND CHAIN starts the next one at once,
// so it is not a plain end.
bool ends_without_chain(WordReader& reader) {
  if (reader.take("and")) {
    bool no = reader.take("no");
    if (!reader.take("chain") || !no) return false;
  }
  return reader.done();
}

StatementKind begin_kind(const TransactionModes& modes) {
  if (!modes.ok) return StatementKind::other;
  return modes.read_only && !modes.read_write ? StatementKind::begin_read_only : StatementKind::begin;
}

StatementKind classify_transaction(const ShortStatement& statement) {
  if (!statement.ok) return StatementKind::other;
  WordReader reader(statement);
  if (reader.take("begin")) {
    reader.skip_work_or_transaction();
    return begin_kind(read_transaction_modes(reader));
  }
  if (reader.take("start")) {  // START TRANSACTION, never WORK nor a second TRANSACTION
    return reader.take("transaction") ? begin_kind(read_transaction_modes(reader)) : StatementKind::other;
  }
  if (reader.take("commit") || reader.take("end")) {
    reader.skip_work_or_transaction();
    return ends_without_chain(reader) ? StatementKind::commit : StatementKind::other;
  }
  if (reader.take("rollback") || reader.take("abort")) {
    reader.skip_work_or_transaction();
    return ends_without_chain(reader) ? StatementKind::rollback : StatementKind::other;
  }
  if (reader.take("set")) {
    reader.take("local");
    if (!reader.take("transaction") || reader.done()) return StatementKind::other;
    TransactionModes modes = read_transaction_modes(reader);
    return modes.ok && modes.read_only && !modes.read_write ? StatementKind::set_transaction_read_only
                                                            : StatementKind::other;
  }
  return StatementKind::other;
}

// ---- Putting it together ------------------------------------------------

enum class Family { query, transaction, other };

Family statement_family(std::string_view sql, bool plain_strings_take_backslashes) {
  Lexer lexer(sql, plain_strings_take_backslashes);
  Token first = lexer.next();
  bool parenthesized = false;
  for (; first.is('('); first = lexer.next()) parenthesized = true;
  for (std::string_view word : {"select", "with", "values", "table"}) {
    if (first.is_keyword(word)) return Family::query;
  }
  if (parenthesized) return Family::other;
  for (std::string_view word : {"begin", "start", "commit", "end", "rollback", "abort", "set"}) {
    if (first.is_keyword(word)) return Family::transaction;
  }
  return Family::other;
}

StatementKind classify_once(std::string_view sql, const ClassifyOptions& options, bool plain_strings_take_backslashes,
                            bool& saw_backslash_in_plain_string) {
  Lexer lexer(sql, plain_strings_take_backslashes);
  switch (statement_family(sql, plain_strings_take_backslashes)) {
    case Family::query: {
      ReadOnlyCheck check(options);
      for (Token t = lexer.next(); t.kind != TokenKind::end; t = lexer.next()) {
        if (!check.feed(t)) return StatementKind::other;
      }
      saw_backslash_in_plain_string = lexer.saw_backslash_in_plain_string();
      return check.finish() ? StatementKind::read_only_select : StatementKind::other;
    }
    case Family::transaction: {
      StatementKind kind = classify_transaction(read_short_statement(lexer));
      saw_backslash_in_plain_string = lexer.saw_backslash_in_plain_string();
      return kind;
    }
    case Family::other:
      break;
  }
  return StatementKind::other;
}

}  // namespace

StatementKind classify_statement(std::string_view sql, const ClassifyOptions& options) {
  bool saw_backslash = false;
  StatementKind kind = classify_once(sql, options, false, saw_backslash);
  if (kind == StatementKind::other || !saw_backslash) return kind;
  // The server's standard_conforming_strings is unknown here: both readings
  // must agree, or the answer is `other`.
  bool ignored = false;
  return classify_once(sql, options, true, ignored) == kind ? kind : StatementKind::other;
}

bool is_transaction_control(StatementKind kind) {
  switch (kind) {
    case StatementKind::begin:
    case StatementKind::begin_read_only:
    case StatementKind::set_transaction_read_only:
    case StatementKind::commit:
    case StatementKind::rollback:
      return true;
    case StatementKind::read_only_select:
    case StatementKind::other:
      return false;
  }
  return false;
}

std::string_view statement_kind_name(StatementKind kind) {
  switch (kind) {
    case StatementKind::begin:
      return "begin";
    case StatementKind::begin_read_only:
      return "begin_read_only";
    case StatementKind::set_transaction_read_only:
      return "set_transaction_read_only";
    case StatementKind::commit:
      return "commit";
    case StatementKind::rollback:
      return "rollback";
    case StatementKind::read_only_select:
      return "read_only_select";
    case StatementKind::other:
      return "other";
  }
  return "unknown";
}

}  // namespace sy::pgwire
