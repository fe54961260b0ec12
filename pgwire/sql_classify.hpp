// Classifies the text of one Query (or one Parse) for routing: transaction
// control the pooler must track, and queries provably safe to run on a read-only
// replica. Pure and sans-I/O: SQL text in, a StatementKind out, nothing allocated.
#pragma once

#include <span>
#include <string_view>

namespace sy::pgwire {

enum class StatementKind {
  begin,                      // BEGIN / START TRANSACTION, not read-only
  begin_read_only,            // BEGIN / START TRANSACTION ... READ ONLY, and no READ WRITE
  set_transaction_read_only,  // SET [LOCAL] TRANSACTION ... READ ONLY
  commit,                     // COMMIT / END [WORK | TRANSACTION] [AND NO CHAIN]
  rollback,                   // ROLLBACK / ABORT [WORK | TRANSACTION] [AND NO CHAIN]
  read_only_select,           // SELECT / WITH / VALUES / TABLE that provably writes nothing
  other,                      // everything else, and everything uncertain
};

struct ClassifyOptions {
  // Functions the operator vouches for, added to the built-in allowlist. Matched
  // case-insensitively and as written: "my_func" matches my_func(...) and
  // "app.my_func" matches app.my_func(...), not each other.
  std::span<const std::string_view> extra_read_only_functions;
};

// What `sql` is, for routing. A wrong read_only_select sends a write to a
// replica, so every doubt answers `other`. Deliberately conservative:
//  - exactly one statement; trailing semicolons and comments are fine;
//  - the text is lexed as PostgreSQL does (nested /* */, E'', U&'', B''/X'',
//    $tag$ quoting, "quoted names", quote continuation across newlines) twice
//    when a plain '...' holds a backslash, once for each standard_conforming_strings
//    setting; the two readings must agree. In a backslash-escaped string, a
//    backslash right after a non-ASCII byte is `other`: in SJIS, BIG5 and GBK
//    client encodings 0x5C can be the second byte of a character, not an escape;
//  - INSERT, UPDATE, DELETE, MERGE and INTO anywhere outside literals and quoted
//    names are `other`, even where they would only be an unquoted column name
//    (t.update); FOR followed by UPDATE, SHARE, NO or KEY (a locking clause) too;
//  - every word followed by "(" is a function call unless the grammar makes it
//    something else: reserved and column-name keywords (IN, EXISTS, CAST, ARRAY,
//    COALESCE, numeric(10,2)...), type names after :: and AS, CTE and alias column
//    lists, OVER/FILTER after ")", and a few keyword pairs (ORDER BY (, LEFT JOIN (,
//    GROUPING SETS (...). After a word that is any keyword (a column called
//    `name`, say), JOIN (, LIKE ( and alias(cols) count as calls. Calls must be on
//    the allowlist: built-ins unqualified or pg_catalog-qualified; a "quoted" name
//    only in lower case; U&"..." never; TREAT(x AS t) calls pg_catalog.t, so it is
//    an unknown call; more than 255 nested parentheses are `other`;
//  - numbers glued to letters (1e, 0x1F, 1_000) are `other`, as PostgreSQL 15+
//    rejects them and older versions split them differently;
//  - BEGIN with both READ WRITE and READ ONLY is `begin` (PostgreSQL keeps the
//    last one); COMMIT / ROLLBACK AND CHAIN (the transaction goes on) and
//    SET SESSION TRANSACTION are `other`; EXPLAIN, SHOW and anything unterminated
//    are `other`.
// What text cannot show stays the operator's responsibility, as with pgpool-II's
// function lists: calls hidden in views, operators and casts backed by user
// functions, attribute-notation calls (t.func), typmod functions of user types, and
// user functions that overload a built-in name in a schema on the search_path.
StatementKind classify_statement(std::string_view sql, const ClassifyOptions& options = {});

// BEGIN, SET TRANSACTION READ ONLY, COMMIT or ROLLBACK: statements the pooler
// follows to know where a transaction starts and ends.
bool is_transaction_control(StatementKind kind);

// The enumerator's name, for logs and test messages.
std::string_view statement_kind_name(StatementKind kind);

}  // namespace sy::pgwire
