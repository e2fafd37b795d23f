#pragma once

// How the actor messages tell CAF 0.17 their fields, so it can serialize them when
// they cross nodes (the cluster issue): one `inspect` overload per type, found by
// ADL, written with PARLEY_INSPECT unless a type needs more than its fields.

#include <optional>
#include <utility>

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/none.hpp>

namespace parley {

/// Lets an std::optional<T> member travel as a flag and a value (CAF 0.17 knows
/// only caf::optional): `optional_field{x.member}` among the fields.
template <class T>
struct optional_field {
  std::optional<T>& ref;
  bool has = false;
  T value{};
};

template <class T>
optional_field(std::optional<T>&) -> optional_field<T>;

template <class Inspector, class T>
typename Inspector::result_type inspect(Inspector& f, optional_field<T>& x) {
  if (x.ref) {
    x.has = true;
    x.value = *x.ref;
  }
  auto apply = caf::meta::load_callback([&]() -> caf::error {
    if (x.has)
      x.ref = std::move(x.value);
    else
      x.ref.reset();
    return caf::none;
  });
  return f(x.has, x.value, apply);
}

} // namespace parley

/// The CAF 0.17 `inspect` overload of `type`: its name, then the fields listed (as
/// members of `x`), in order. Write it in `type`'s namespace, followed by `;`:
///   PARLEY_INSPECT(read_state, x.user, x.seq, x.unread);
#define PARLEY_INSPECT(type, ...)                                                        \
  template <class Inspector>                                                             \
  typename Inspector::result_type inspect(Inspector& f, type& x) {                       \
    return f(caf::meta::type_name(#type), __VA_ARGS__);                                  \
  }                                                                                      \
  static_assert(true)
