// classify_statement(): transaction control, provably read-only queries and
// everything else, case by case, plus fixed-seed fuzzing: random bytes never
// crash it, and a write spliced into a read-only query is never read-only.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "pgwire/sql_classify.hpp"

using namespace sy::pgwire;
using K = StatementKind;


namespace {

// doctest prints enums as numbers; names make failures readable.
std::string named(StatementKind kind) { return std::string(statement_kind_name(kind)); }
std::string classified(std::string_view sql, const ClassifyOptions& options = {}) {
  return named(classify_statement(sql, options));
}

struct Case {
  std::string_view sql;
  StatementKind kind;
};

void check_cases(std::initializer_list<Case> cases, const ClassifyOptions& options = {}) {
  for (const Case& c : cases) {
    CAPTURE(c.sql);
    CHECK(classified(c.sql, options) == named(c.kind));
  }
}

void check_all(std::initializer_list<std::string_view> sqls, StatementKind kind) {
  for (std::string_view sql : sqls) {
    CAPTURE(sql);
    CHECK(classified(sql) == named(kind));
  }
}

}  // namespace

TEST_CASE("sql_classify: BEGIN and START TRANSACTION") {
  check_cases({
      {"BEGIN", K::begin},
      {"begin", K::begin},
      {"  Begin ;  ", K::begin},
      {"BEGIN;", K::begin},
      {"BEGIN;;", K::begin},
      {"/* leading */ BEGIN -- trailing", K::begin},
      {"BEGIN WORK", K::begin},
      {"begin transaction", K::begin},
      {"START TRANSACTION", K::begin},
      {"START TRANSACTION READ WRITE", K::begin},
      {"begin isolation level repeatable read", K::begin},
      {"BEGIN DEFERRABLE", K::begin},
      {"BEGIN READ ONLY", K::begin_read_only},
      {"begin\tread\n/* mode */ only", K::begin_read_only},
      {"begin transaction read only;", K::begin_read_only},
      {"start transaction read only", K::begin_read_only},
      {"begin isolation level serializable read only deferrable", K::begin_read_only},
      {"BEGIN ISOLATION LEVEL READ COMMITTED, READ ONLY", K::begin_read_only},
      {"begin read only, isolation level read uncommitted, not deferrable", K::begin_read_only},
      // Both access modes: PostgreSQL keeps the last; we never guess read-only.
      {"BEGIN READ ONLY READ WRITE", K::begin},
      {"BEGIN READ WRITE, READ ONLY", K::begin},
  });
  check_all({"BEGIN READ ONLY; SELECT 1", "BEGIN; COMMIT", "START", "START READ ONLY", "begin read",
             "begin read only,", "begin , read only", "begin read only,, deferrable", "begin isolation level",
             "START TRANSACTION TRANSACTION", "start work", "START TRANSACTION WORK", "BEGIN ISOLATION LEVEL READ ONLY", "BEGIN ISOLATION LEVEL SNAPSHOT", "begin work transaction",
             "(BEGIN)", "BEGIN 'x'", "\"begin\"", "begin /* unterminated", "BEGIN ISOLATION LEVEL READ"},
            K::other);
}

TEST_CASE("sql_classify: SET TRANSACTION READ ONLY") {
  check_cases({
      {"SET TRANSACTION READ ONLY", K::set_transaction_read_only},
      {"set transaction read only;", K::set_transaction_read_only},
      {"SET LOCAL TRANSACTION READ ONLY", K::set_transaction_read_only},
      {"set transaction isolation level serializable, read only, deferrable", K::set_transaction_read_only},
      {"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", K::set_transaction_read_only},
  });
  check_all({"SET TRANSACTION READ WRITE", "SET TRANSACTION READ ONLY, READ WRITE",
             "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "SET TRANSACTION",
             // Session state, not this transaction: stays `other`.
             "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", "SET SESSION TRANSACTION READ ONLY",
             "SET TRANSACTION SNAPSHOT '00000003-0000001B-1'", "SET transaction_read_only = on",
             "set default_transaction_read_only = on", "set transaction read only; select 1",
             "SET search_path = app"},
            K::other);
}

TEST_CASE("sql_classify: COMMIT, END, ROLLBACK and ABORT") {
  check_cases({
      {"COMMIT", K::commit},
      {"commit;", K::commit},
      {"commit work", K::commit},
      {"COMMIT TRANSACTION", K::commit},
      {"END", K::commit},
      {"end transaction", K::commit},
      {"commit and no chain", K::commit},
      {"ROLLBACK", K::rollback},
      {"rollback work;", K::rollback},
      {"ROLLBACK TRANSACTION", K::rollback},
      {"abort", K::rollback},
      {"ABORT WORK", K::rollback},
      {"abort transaction and no chain", K::rollback},
  });
  // AND CHAIN starts the next transaction at once: not a plain end.
  check_all({"COMMIT AND CHAIN", "rollback and chain", "COMMIT PREPARED 'gid'", "ROLLBACK PREPARED 'gid'",
             "ROLLBACK TO SAVEPOINT a", "rollback to a", "ROLLBACK TRANSACTION TO SAVEPOINT a", "SAVEPOINT a",
             "RELEASE SAVEPOINT a", "commit; begin", "END IF", "commit and", "commit and no"},
            K::other);
}

TEST_CASE("sql_classify: is_transaction_control") {
  for (K kind : {K::begin, K::begin_read_only, K::set_transaction_read_only, K::commit, K::rollback}) {
    CAPTURE(kind);
    CHECK(is_transaction_control(kind));
  }
  CHECK_FALSE(is_transaction_control(K::read_only_select));
  CHECK_FALSE(is_transaction_control(K::other));
}

TEST_CASE("sql_classify: provably read-only queries") {
  check_all(
      {
          "select 1",
          "SELECT",
          "SELECT * FROM t WHERE id = $1",
          "select 1;",
          "select 1 ;; ",
          "select 1; -- done",
          "select 1; /* done */",
          "(SELECT 1)",
          "((select 1))",
          "(SELECT 1) UNION (SELECT 2)",
          "select a.x, b.y from t a join u b on (a.id = b.tid) left outer join (select 1 as q) c on true",
          "select * from t1 join (select 1) s on true",
          "select * from t1 left join (select 1) s on true",
          "select * from t1 natural join t2 cross join t3",
          "select * from t1 inner join t2 using (id)",
          "select (select max(x) from t) as m",
          "select exists (select 1 from u where u.tid = t.id) from t",
          "select * from t where x in (1,2) and y = any (array[1,2]) and z between 1 and (5)",
          "select x from t where x = some (select 1) or x = all (select 1)",
          "with a as (select 1), b(x) as (select 2) select * from a, b",
          "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT * FROM r",
          "with a as materialized (select 1), b as not materialized (select 2) select * from a, b",
          "with a as (select 1) (select * from a)",
          "select count(*) over (partition by x) from t",
          "select row_number() over w, rank() over (order by x) from t window w as (order by x)",
          "select count(*) filter (where x > 1) from t",
          "select percentile_cont(0.5) within group (order by x) from t",
          "select array_agg(x order by y), string_agg(name, ',' order by name) from t",
          "select x::numeric(10,2) from t",
          "select CAST(x AS varchar(20)) from t",
          "select cast(x as pg_catalog.numeric(10,2)) from t",
          "select x::character varying(10), ts::timestamp(3) with time zone, '1 s'::interval day to second(3)",
          "select x::\"numeric\"(10,2) from t",
          "select now() - interval '1 day'",
          "select interval '1' day, date '2020-01-01', timestamp(3) '2020-01-01'",
          "select current_timestamp(3), current_date, current_user, session_user, localtime",
          "select pg_is_in_recovery(), inet_server_port()",
          "select version(), current_database(), current_setting('server_version')",
          "select pg_catalog.lower(name), \"lower\"(name), pg_catalog.\"upper\"(name), \"pg_catalog\".now() from t",
          "select coalesce(x, 0), nullif(x, 1), greatest(x, y), least(x, y) from t",
          "select extract(epoch from ts), position('a' in name), substring(name from 1 for 2) from t",
          "select trim(both ' ' from name), overlay(name placing 'x' from 1 for 1) from t",
          "select json_build_object('a', x), j -> 'a', j ->> 'a', jsonb_set(j, '{a}', '2') from t",
          "select row(1, 2), array(select 1), array[1,2], exists(select 1)",
          "select case when x > 1 then lower(name) else upper(name) end from t",
          "select x from t where name similar to '(a|b)%' and (x, y) overlaps (1, 2)",
          "select distinct on (id) id, x from t order by id, x",
          "select * from generate_series(1,3) g(n)",
          "select * from generate_series(1,3) as g(n)",
          "select * from t1 x(a, b)",
          "select * from (values (1), (2)) v(a)",
          "select * from unnest(array[1,2]) with ordinality as u(v, n)",
          "select * from unnest(array[1,2]) with ordinality u(v, n)",
          "select * from rows from (generate_series(1,2), generate_series(1,3)) as r(a, b)",
          "select x, sum(y) from t group by rollup(x)",
          "select x, sum(y) from t group by cube(x)",
          "select x, sum(y) from t group by grouping sets ((x), ())",
          "select * from t order by (x) desc",
          "select * from t fetch first (1) rows only",
          "select x from t limit (1) offset (0)",
          "select * from t tablesample system (50) repeatable (1)",
          "select * from t tablesample bernoulli (50)",
          "select ts at time zone ('utc') from t",
          "select x operator(pg_catalog.+) 1 from t",
          "select xmlelement(name foo, xmlattributes(x as bar)) from t",
          "select random(), clock_timestamp(), pg_sleep(0)",
          "select * from t for read only",
          "select 1 as not",
          "values (1, 'a'), (2, 'b')",
          "table t",
          "(values (1)) union (table t)",
          "select 1e5, .5, 5., 1.5e-3, 1E+2",
          "select \xc3\xb1" "ame from t",  // identifiers may be any non-ASCII bytes
      },
      K::read_only_select);
}

TEST_CASE("sql_classify: writes, locks and unknown functions are other") {
  check_all(
      {
          "",
          "   ",
          "-- only a comment",
          "/* only a comment */",
          ";",
          "insert into t values (1)",
          "INSERT INTO t SELECT 1",
          "update t set x = 1",
          "delete from t",
          "merge into t using u on t.id = u.id when matched then delete",
          "copy t to stdout",
          "copy (select 1) to stdout",
          "explain select 1",
          "explain analyze select 1",
          "show server_version",
          "create table t2 as select 1",
          "call p()",
          "do $$ begin perform 1; end $$",
          "lock table t",
          "prepare p as select 1",
          "execute p",
          "declare c cursor for select 1",
          "fetch 1 from c",
          "notify ch",
          "listen ch",
          "vacuum t",
          "select nextval('s')",
          "select pg_catalog.nextval('s')",
          "select currval('s'), lastval()",
          "select setval('s', 1)",
          "select txid_current()",
          "select my_func()",
          "SELECT set_config('a', 'b', false)",
          "select pg_advisory_lock(1)",
          "select pg_try_advisory_xact_lock(1)",
          "select pg_notify('ch', 'x')",
          "select lo_import('/etc/passwd')",
          "select pg_terminate_backend(1)",
          "select pg_current_wal_lsn()",
          "select * from t for update",
          "select * from t FOR NO KEY UPDATE skip locked",
          "select * from t for share",
          "select * from t for key share",
          "select * from t for update of t nowait",
          "select * from (select * from t for update) s",
          "select * from t for /* lock */ update",
          "select * into new_table from t",
          "select x into temp t2 from t",
          "select into t2 from t",
          "with x as (insert into t values (1) returning *) select * from x",
          "with x as (update t set x = 1 returning *) select * from x",
          "with x as (delete from t returning *) select * from x",
          "with x as (select 1) insert into t select * from x",
          "with x as (select 1) delete from t",
          "values (nextval('s'))",
          "select 1; delete from t",
          "select 1; select 2",
          "select 1 ;\n delete from t",
          "(select 1",
          "select 1)",
          "select (1;)",
          "select 'abc",
          "/* unclosed",
          "select 1 /* a /* b */",
          "select \"abc from t",
          "select $$abc",
          "select $a$ x $A$",
          "select E'abc\\",
          // Conservative: these words are refused even as unquoted column names.
          "select t.update from t",
          "select update from t",
          "select 1 as into",
      },
      K::other);
}

TEST_CASE("sql_classify: keywords inside literals, comments and quoted names don't count") {
  check_all(
      {
          "select 'insert into t' , \"update\" from t",
          "select 'it''s ; delete from t'",
          "select $$ ; delete from t; $$",
          "select $a$ ; $b$ ; delete from t $a$",
          "select $body$ nextval('s') $body$ from t",
          "select E'\\' ; delete from t; --'",
          "select e'it\\'s'' for update'",
          "select U&'update' || u&'d\\0061t\\+000061'",
          "select N'for update', B'0101', X'1F'",
          "select 1 -- ; delete from t",
          "select /* delete */ 1 /* a /* nested ; delete */ still comment */",
          "select \"insert\", \"for\", \"into\" from t",
          "select \"a\"\"; delete from t; --\" from t",
          "select U&\"d\\0061t\" from t",
      },
      K::read_only_select);
  check_all(
      {
          "select 1 --\n; delete from t",
          "select 1 /* a /* b */ */ ; delete from t",
          "select 'a'; delete from t; select 'b'",
          "select x$$ ; delete from t; $$",  // $ inside a name does not open a dollar quote
          "select \"\" from t",              // zero-length quoted name
      },
      K::other);
}

TEST_CASE("sql_classify: literals end exactly where PostgreSQL ends them") {
  // 'a' <newline> 'b' continues the first literal, in the first one's style.
  CHECK(classified("select E'a'\n'\\' ; delete from t; --'") == named(K::read_only_select));
  CHECK(classified("select 'a' -- comment\n'b' from t") == named(K::read_only_select));
  // B'' and X'' end at the first quote: '' is not an escaped quote there.
  CHECK(classified("select X'' ; delete from t; --'") == named(K::other));
  CHECK(classified("select B'1'\n'0'") == named(K::read_only_select));
  // Numbers glued to letters are rejected by PostgreSQL 15+ and split by older versions.
  check_all({"select 1e'x'", "select 0x1F", "select 1_000", "select 1from t", "select $1abc", "select 1e"},
            K::other);
  // Bytes PostgreSQL refuses outside literals.
  check_all({std::string_view("select 1\0", 9), "select \\", "select {1}"}, K::other);
}

TEST_CASE("sql_classify: standard_conforming_strings is unknown, so both readings must agree") {
  // A backslash in a plain literal that matters in neither reading.
  CHECK(classified("select 'a\\b' from t") == named(K::read_only_select));
  CHECK(classified("select E'\\\\' from t") == named(K::read_only_select));
  // Standard reading: one literal. Backslash reading: 'x\'' ends early and
  // nextval(...) is a call.
  CHECK(classified("select 'x\\'', nextval(''s'') --'") == named(K::other));
  // Standard reading: the literal is a lone backslash; the other reading never
  // ends it. Refused even though it is harmless.
  CHECK(classified("select '\\' from t") == named(K::other));
  // PostgreSQL rejects U&'' when standard_conforming_strings is off.
  CHECK(classified("select U&'x', 'y\\z'") == named(K::other));
}

TEST_CASE("sql_classify: a backslash after a non-ASCII byte in an escape string is other") {
  // In SJIS, BIG5 and GBK, 0x5C can be the second byte of a character.
  CHECK(classified("select E'\x82\\' ; delete from t; --'") == named(K::other));
  CHECK(classified("select E'\xe9\\n' from t") == named(K::other));
  CHECK(classified("select E'\\n\xe9' from t") == named(K::read_only_select));
  CHECK(classified("select '\xe9\\n' from t") == named(K::other));  // the backslash reading of a plain literal
}

TEST_CASE("sql_classify: a word before ( is a call unless the grammar says otherwise") {
  check_all(
      {
          "select distinct on (x) nextval('s') from t",      // an expression follows DISTINCT ON (...)
          "select x operator(pg_catalog.+) nextval('s')",    // and OPERATOR(...)
          "select treat('s'::regclass as nextval)",          // TREAT(x AS t) calls pg_catalog.t(x)
          "select not like(true)",                           // a user function named like
          "select filter(1)",
          "select over(1)",
          "select x from t order by join(1)",
          "select x from t order by by(1)",
          "select cube(1)",
          "select 1 as x, second(1)",
          "select 1 from t fetch first second(1) rows only",
          "select public.lower('a')",                        // a user function, whatever its name
          "select \"NOW\"()",                                // quoted names keep their case
          "select U&\"now\"()",
          "select a.b.c(1)",
          "select (t).lower(1) from t",
          "with a as (select 1) select 1, f(1)",
          "with a as (select 1) values (1), (f(2))",
          "select count(*) filter (where true), f(1) from t",
          "select * from t tablesample my_method (1)",
          "select * from t tablesample system (1) repeatable (f())",
          "select * from t natural join f(1)",
          "select * from json_to_record('{}') as r(a int)",  // not on the allowlist
      },
      K::other);
  check_all({"select \"now\"()", "select x::interval second(3) from t", "select \"pg_catalog\".now()"},
            K::read_only_select);
  // Deeply nested parentheses are fine up to a limit, then other.
  std::string nested = "select " + std::string(100, '(') + "1" + std::string(100, ')');
  CHECK(classified(nested) == named(K::read_only_select));
  nested = "select " + std::string(300, '(') + "1" + std::string(300, ')');
  CHECK(classified(nested) == named(K::other));
}

TEST_CASE("sql_classify: extra_read_only_functions extend the allowlist") {
  CHECK(classified("select my_func()") == named(K::other));
  const std::string_view extras[] = {"my_func", "App.Report", "", "broken.", ".broken"};
  ClassifyOptions options{extras};
  check_cases(
      {
          {"select my_func()", K::read_only_select},
          {"select MY_FUNC(1), lower('a')", K::read_only_select},
          {"select \"my_func\"()", K::read_only_select},
          {"select app.report(1)", K::read_only_select},
          {"select APP.\"report\"(1)", K::read_only_select},
          {"select \"MY_FUNC\"()", K::other},  // a different function
          {"select report(1)", K::other},      // qualified entries match qualified calls only
          {"select other.my_func()", K::other},
          {"select pg_catalog.my_func()", K::other},
          {"select broken()", K::other},
          {"select nextval('s'), my_func()", K::other},
      },
      options);
}

// ---- Fuzzing -------------------------------------------------------------

namespace {

constexpr int kRounds = 20000;

// Read-only queries as token-boundary fragments: anything spliced between two
// fragments lands outside every literal, comment and quoted name.
const std::vector<std::vector<std::string_view>> kReadOnlyFragments = {
    {"select", "a,", "'insert into t'", "from", "t", "where", "x", "=", "1"},
    {"SELECT", "*", "FROM", "t", "WHERE", "id", "=", "$1", "ORDER", "BY", "id", "LIMIT", "10"},
    {"with", "x", "as", "(", "select", "1", ")", "select", "*", "from", "x"},
    {"select", "count(*)", "over", "(", "partition", "by", "x", ")", "from", "t"},
    {"select", "x::numeric(10,2),", "cast(y", "as", "varchar(20))", "from", "t"},
    {"select", "$$delete$$,", "E'\\' update',", "\"for\"", "from", "t", "-- for update\n"},
    {"(select", "1)", "union", "(select", "2)"},
    {"select", "*", "from", "t1", "join", "(select", "1)", "s", "on", "true"},
    {"select", "exists", "(select", "1", "from", "u", "where", "u.id", "=", "t.id)", "from", "t"},
    {"values", "(1),", "(2)"},
    {"select", "now()", "-", "interval", "'1 day'", "/* delete */"},
    {"table", "t"},
};

// Calls come after an operator, as in an expression: a call glued to a name or
// ")" reads as an alias column list, a syntax error PostgreSQL refuses anyway.
const std::vector<std::string_view> kWrites = {
    " insert ", "update ", "delete ", " for update", " FOR SHARE", " for no key update", " into ", "merge ",
    "; delete from t", " + nextval('s') ", " || my_func() ", " - pg_catalog.setval('s', 1)"};

const std::vector<std::string_view> kSeparators = {" ", "\n", "\t", "/**/", " -- c\n", " /* a /* b */ */ "};

class Fuzzer {
 public:
  explicit Fuzzer(uint32_t seed) : rng_(seed) {}

  size_t below(size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  char interesting_byte() {
    static constexpr std::string_view kInteresting = "'\"$\\()[];:.,-*/\n eEuUbBxXnN&0123_az\x80\xff";
    return below(4) == 0 ? char(below(256)) : kInteresting[below(kInteresting.size())];
  }
  std::string random_string(size_t max_length) {
    std::string out(below(max_length + 1), '\0');
    for (char& c : out) c = interesting_byte();
    return out;
  }
  std::string mutate(std::string text) {
    for (size_t edits = 1 + below(3); edits > 0; --edits) {
      size_t at = below(text.size() + 1);
      switch (below(5)) {
        case 0: if (at < text.size()) text[at] = interesting_byte(); break;
        case 1: text.insert(at, 1, interesting_byte()); break;
        case 2: if (at < text.size()) text.erase(at, 1 + below(4)); break;
        case 3: text.resize(at); break;
        case 4: text.insert(at, text.substr(below(text.size() + 1), below(8))); break;
      }
    }
    return text;
  }
  std::string random_case(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
      if (below(2) == 0 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) c = char(c ^ 0x20);
    }
    return out;
  }
  template <typename T>
  const T& pick(const std::vector<T>& items) { return items[below(items.size())]; }

 private:
  std::mt19937 rng_;
};

std::string join(const std::vector<std::string_view>& fragments, size_t insert_at, std::string_view inserted,
                 std::string_view separator) {
  std::string out;
  for (size_t i = 0; i <= fragments.size(); ++i) {
    if (i == insert_at) out.append(separator).append(inserted).append(separator);
    if (i < fragments.size()) out.append(fragments[i]).append(i + 1 < fragments.size() ? separator : "");
  }
  return out;
}

// Properties every answer must have, whatever the input.
void check_invariants(const std::string& sql) {
  StatementKind kind = classify_statement(sql);
  // A comment in front changes nothing, nor does one more semicolon at the end.
  CHECK(classified(" /* c */ " + sql) == named(kind));
  CHECK(classified(sql + ";") == named(kind));
  if (kind == K::read_only_select) {
    // A read-only query is complete: what follows a newline is outside it.
    CHECK(classified(sql + "\n; delete from t") == named(K::other));
    CHECK(classified(sql + "\nfor update") == named(K::other));
  }
}

}  // namespace

TEST_CASE("sql_classify fuzz: the read-only corpus, rejoined, is read-only") {
  for (const auto& fragments : kReadOnlyFragments) {
    std::string sql = join(fragments, fragments.size() + 1, "", " ");
    CAPTURE(sql);
    CHECK(classified(sql) == named(K::read_only_select));
  }
}

TEST_CASE("sql_classify fuzz: a write spliced in at a token boundary is never read-only") {
  Fuzzer fuzz(20240611);
  for (int round = 0; round < kRounds; ++round) {
    const auto& fragments = fuzz.pick(kReadOnlyFragments);
    std::string write = fuzz.random_case(fuzz.pick(kWrites));
    std::string sql = join(fragments, fuzz.below(fragments.size() + 1), write, fuzz.pick(kSeparators));
    CAPTURE(sql);
    REQUIRE(classified(sql) == named(K::other));
  }
}

TEST_CASE("sql_classify fuzz: random bytes and mutations never crash and stay consistent") {
  Fuzzer fuzz(7);
  std::vector<std::string> corpus;
  for (const auto& fragments : kReadOnlyFragments) corpus.push_back(join(fragments, fragments.size() + 1, "", " "));
  for (std::string_view sql : {"BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY", "commit and no chain",
                               "SET LOCAL TRANSACTION READ ONLY", "select E'a'\n'b\\'' from t",
                               "select U&\"a\" , B'1'\n'0', $q$x$q$, 1.5e-3 from t", "rollback to savepoint a"}) {
    corpus.emplace_back(sql);
  }
  for (int round = 0; round < kRounds; ++round) {
    std::string sql = round % 4 == 0 ? fuzz.random_string(64) : fuzz.mutate(fuzz.pick(corpus));
    CAPTURE(sql);
    check_invariants(sql);
  }
}
