// How a configuration key reaches its field: each row of the schema table
// carries a FieldBinding made from a member pointer (`bound<&Listener::bind>`),
// so the one generic reader (table_reader.hpp) stores every key, and the
// reload decision (restart_changes.cpp) compares every key, through the row.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "conf/address.hpp"

namespace sy::conf {

struct KeySpec;

// A size in bytes (ValueType::size), apart from the int64_t of integers.
struct ByteCount {
  uint64_t bytes = 0;
};
// The position of an enumeration word in KeySpec::allowed.
struct WordIndex {
  size_t index = 0;
};

// A key's value once the generic checks (type, range, allowed words) passed,
// one alternative per ValueType family; see value_kind_of() in schema.hpp.
using KeyValue = std::variant<std::string, int64_t, bool, std::chrono::milliseconds, ByteCount, Address, WordIndex,
                              std::vector<std::string>>;

// What a key's own check found wrong with a value that has the right type
// ("host \"a:1\": hosts match without the port"); the reader reports each
// at the value's position.
struct ValueProblems {
  const KeySpec& spec;
  std::vector<std::string> messages;

  void add(std::string message) { messages.push_back(std::move(message)); }
};

struct FieldBinding {
  // &owner_tag<Owner>: which struct the field is a member of, so the reader
  // can assert it was handed the section's struct.
  const void* owner = nullptr;
  // The KeyValue alternative the field is filled from.
  size_t value_kind = 0;
  // For integer fields: the largest value the field type holds.
  int64_t field_maximum = std::numeric_limits<int64_t>::max();
  // Puts `value` into the field of `*owner_struct`, through the key's own
  // check when it has one; the field is untouched when that check fails.
  void (*store)(KeyValue&& value, void* owner_struct, ValueProblems& problems) = nullptr;
  // Whether the field holds the same value in both structs.
  bool (*same)(const void* a, const void* b) = nullptr;
  // Whether the field holds its value-initialised ("unset") value.
  bool (*is_unset)(const void* owner_struct) = nullptr;

  explicit constexpr operator bool() const { return store != nullptr; }
};

template <typename Owner>
inline constexpr char owner_tag = 0;

namespace binding_detail {

template <typename>
struct member_of;
template <typename Owner, typename Field>
struct member_of<Field Owner::*> {
  using owner = Owner;
  using field = Field;
};

template <typename T>
struct is_vector : std::false_type {};
template <typename T>
struct is_vector<std::vector<T>> : std::true_type {
  using element = T;
};

template <typename T>
struct is_enum_vector : std::false_type {};
template <typename T>
struct is_enum_vector<std::vector<T>> : std::is_enum<T> {};

template <typename T, typename Variant>
struct index_in;
template <typename T, typename... Alternatives>
struct index_in<T, std::variant<Alternatives...>> {
  static constexpr size_t value = [] {
    constexpr bool matches[] = {std::is_same_v<T, Alternatives>...};
    for (size_t i = 0; i < sizeof...(Alternatives); ++i)
      if (matches[i]) return i;
    return sizeof...(Alternatives);
  }();
};

// The KeyValue alternative a field of type Field is stored from, without a
// key-specific conversion.
template <typename Field>
constexpr auto plain_source() {
  if constexpr (std::is_same_v<Field, std::string> || std::is_same_v<Field, std::optional<std::string>>)
    return std::string{};
  else if constexpr (std::is_same_v<Field, bool>) return bool{};
  else if constexpr (std::is_same_v<Field, std::chrono::milliseconds>) return std::chrono::milliseconds{};
  else if constexpr (std::is_same_v<Field, uint64_t>) return ByteCount{};
  else if constexpr (std::is_same_v<Field, Address> || std::is_same_v<Field, std::optional<Address>>) return Address{};
  else if constexpr (std::is_enum_v<Field>) return WordIndex{};
  else if constexpr (is_vector<Field>::value) return std::vector<std::string>{};
  else if constexpr (std::is_integral_v<Field>) return int64_t{};
}

// The enumerators of a list of allowed words (the words were checked).
template <typename Enum>
std::vector<Enum> enumerators(const std::vector<std::string>& words, std::span<const std::string_view> allowed) {
  std::vector<Enum> values;
  for (const auto& word : words)
    for (size_t i = 0; i < allowed.size(); ++i)
      if (allowed[i] == word) values.push_back(static_cast<Enum>(i));
  return values;
}

std::span<const std::string_view> allowed_words(const KeySpec& spec);
std::string_view key_name(const KeySpec& spec);

template <typename Field>
void store_plain(auto&& value, Field& out, ValueProblems& problems) {
  using Source = std::remove_cvref_t<decltype(value)>;
  if constexpr (std::is_same_v<Source, ByteCount>) {
    out = value.bytes;
  } else if constexpr (std::is_same_v<Source, WordIndex>) {
    out = static_cast<Field>(value.index);
  } else if constexpr (std::is_same_v<Source, int64_t>) {
    out = static_cast<Field>(value);  // the row's range fits the field (a schema test holds it)
  } else if constexpr (is_enum_vector<Field>::value) {
    if (value.empty()) return problems.add(std::string(key_name(problems.spec)) + " must not be empty");
    out = enumerators<typename is_vector<Field>::element>(value, allowed_words(problems.spec));
  } else {
    out = std::move(value);
  }
}

template <typename Function>
struct first_parameter;
template <typename Result, typename First, typename... Rest>
struct first_parameter<Result (*)(First, Rest...)> {
  using type = std::remove_cvref_t<First>;
};

// The KeyValue alternative a binding reads: Convert's first parameter, or
// the plain one of the field type.
template <typename Field, auto Convert>
constexpr auto source_value() {
  if constexpr (std::is_null_pointer_v<decltype(Convert)>) return plain_source<Field>();
  else return typename first_parameter<decltype(Convert)>::type{};
}

}  // namespace binding_detail

// The binding of a key to `Member`. Convert, when given, is the key's own
// check and conversion: void(Source value, Field& out, ValueProblems&),
// where Source is the KeyValue alternative it reads. Same, when given,
// replaces == for the reload decision: bool(const Field&, const Field&).
template <auto Member, auto Convert = nullptr, auto Same = nullptr>
inline constexpr FieldBinding bound = [] {
  using Traits = binding_detail::member_of<decltype(Member)>;
  using Owner = typename Traits::owner;
  using Field = typename Traits::field;
  using Source = decltype(binding_detail::source_value<Field, Convert>());
  static_assert(binding_detail::index_in<Source, KeyValue>::value < std::variant_size_v<KeyValue>,
                "a field must be filled from one of the KeyValue alternatives");
  FieldBinding binding;
  binding.owner = &owner_tag<Owner>;
  binding.value_kind = binding_detail::index_in<Source, KeyValue>::value;
  if constexpr (std::is_integral_v<Field> && !std::is_same_v<Field, bool>)
    binding.field_maximum = static_cast<int64_t>(std::numeric_limits<Field>::max());
  binding.store = [](KeyValue&& value, void* owner_struct, ValueProblems& problems) {
    Field& out = static_cast<Owner*>(owner_struct)->*Member;
    Source& source = std::get<Source>(value);
    if constexpr (std::is_null_pointer_v<decltype(Convert)>) binding_detail::store_plain(std::move(source), out, problems);
    else Convert(std::move(source), out, problems);
  };
  binding.same = [](const void* a, const void* b) {
    const Field& left = static_cast<const Owner*>(a)->*Member;
    const Field& right = static_cast<const Owner*>(b)->*Member;
    if constexpr (std::is_null_pointer_v<decltype(Same)>) return left == right;
    else return Same(left, right);
  };
  binding.is_unset = [](const void* owner_struct) { return static_cast<const Owner*>(owner_struct)->*Member == Field{}; };
  return binding;
}();

}  // namespace sy::conf
