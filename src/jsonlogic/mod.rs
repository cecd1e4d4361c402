//! JsonLogic: an interpreter with json-logic-js semantics, and conversion
//! between JsonLogic and segment rules.
//!
//! # `apply`
//!
//! [`apply`] evaluates a JsonLogic rule against data exactly as the reference
//! implementation, json-logic-js 2.x, does: JavaScript's loose equality and
//! relational comparison (arrays compare as their joined strings, `"0x1A"` is
//! 26, `null` is 0 in `<` but not in `==`), `+` and `*` through `parseFloat`,
//! `-`, `/` and `%` through `ToNumber`, Number-to-String for `cat` and `in`
//! (`0.1 + 0.2` prints as `0.30000000000000004`), json-logic-js truthiness
//! (an empty array is falsy), `and`/`or` returning the deciding operand,
//! `substr` on UTF-16 code units with PHP-style negative lengths, and `var`
//! reading `length` and indices of strings and arrays. Errors json-logic-js
//! throws are errors here too: an unknown operator is an
//! [`ErrorKind::Argument`](crate::ErrorKind::Argument) error
//! `Unrecognized operation X`; a JavaScript `TypeError` (`{"*": []}`, an
//! object with a `toString` key used as a string) is an
//! [`ErrorKind::Type`](crate::ErrorKind::Type) error.
//!
//! Where JSON cannot hold the JavaScript result:
//! - NaN, `Infinity` and `-Infinity` results become `null`, and `-0` becomes
//!   `0`, as `JSON.stringify` does (`{"/": [1, 0]}` gives `null`). Inside a
//!   computation they are kept (`{"<": [{"/": [1, 0]}, 1]}` is `false`).
//! - `undefined` (the result of `{"and": []}` or `{"var": ""}` on no data)
//!   becomes `null`.
//! - Inherited JavaScript members (`{"var": "toString"}` gives a function in
//!   json-logic-js) read as not found.
//! - A UTF-16 code unit taken alone from a surrogate pair (`substr`, string
//!   indices) becomes U+FFFD.
//! - `log` returns its argument without printing it.
//!
//! Limits: operations nest at most [`MAX_DEPTH`] deep, one call evaluates at
//! most [`MAX_STEPS`] operations, and strings and arrays built while
//! evaluating hold at most [`MAX_LEN`] elements; past these the result is an
//! [`ErrorKind::Limit`](crate::ErrorKind::Limit) error.

mod apply;
mod js;

pub use apply::{MAX_DEPTH, MAX_LEN, MAX_STEPS};

use crate::error::Result;

/// Evaluates the JsonLogic rule `logic` against `data`, as json-logic-js's
/// `jsonLogic.apply(logic, data)` does.
///
/// ```
/// use serde_json::json;
/// let rule = json!({"and": [{">=": [{"var": "age"}, 30]}, {"in": [{"var": "country"}, ["US", "CA"]]}]});
/// let data = json!({"age": 34, "country": "US"});
/// assert_eq!(kaleido::jsonlogic::apply(&rule, &data).unwrap(), json!(true));
/// ```
pub fn apply(logic: &serde_json::Value, data: &serde_json::Value) -> Result<serde_json::Value> {
    apply::apply_json(logic, data)
}
