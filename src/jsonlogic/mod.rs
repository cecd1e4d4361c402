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
//!
//! # JsonLogic → segment rule ([`from_json_logic`])
//!
//! The boolean subset of JsonLogic maps onto segment conditions. Kaleido
//! never coerces, so `==` and `===` both become `=` (and `!=`, `!==` become
//! `!=`): `{"==": [{"var": "age"}, "30"]}` means `age = "30"`, which a number
//! 30 does not satisfy.
//!
//! | JsonLogic | segment rule |
//! |---|---|
//! | `{"==": [{"var": "p"}, V]}` (also `===`; either side) | `p = V` (V a number, string or boolean) |
//! | `{"!=": [{"var": "p"}, V]}` (also `!==`) | `p != V` |
//! | `{"==": [{"var": "p"}, null]}` / `{"!=": …null}` | `p is not set` / `p is set` |
//! | `{"<": [{"var": "p"}, V]}`, `<=`, `>`, `>=` (either side: flipped) | `p < V`, … |
//! | `{"<": [A, {"var": "p"}, B]}` | `p > A and p < B` |
//! | `{"<=": [A, {"var": "p"}, B]}` | `p between A and B` |
//! | `{"in": [{"var": "p"}, [V, …]]}` | `p in [V, …]` |
//! | `{"in": [V, {"var": "p"}]}` | `p contains V` (*) |
//! | `{"and": […]}`, `{"or": […]}` | `and`, `or` (one operand: the operand itself) |
//! | `{"!": X}` | `not X` |
//! | `{"!": {"var": "p"}}` | `p is not set or p = false` (falsy, for boolean attributes) |
//! | `{"var": "p"}`, `{"!!": {"var": "p"}}` | `p` (the attribute is `true`) (*) |
//! | `{"!!": X}` | `X` |
//! | `{"missing": ["a", "b"]}` | `a is not set or b is not set` (*) |
//! | `{"missing_some": [n, [keys]]}` | at least `len - min(n, len) + 1` of the keys not set (an `or` of `and`s, at most 64) |
//! | `{"some": [{"var": "p"}, C]}` | `p contains any [V, …]` (*) |
//! | `{"none": [{"var": "p"}, C]}` | `not (p contains any [V, …])` |
//!
//! where `C`, the condition on each element, is `{"==": [{"var": ""}, V]}`
//! (or `===`, either side), `{"in": [{"var": ""}, [V, …]]}`, or an `or` of
//! these. (*) marks where the two languages part on some data: JsonLogic's
//! `in` on a string is a case-sensitive substring test while Kaleido's
//! `contains` is case-insensitive; a bare `var` is truthy for `"yes"` or `1`
//! while Kaleido's `p` is true only for `true`; `missing` also counts `""` as
//! missing; `some` on a string attribute is false in JsonLogic. And in general
//! JsonLogic treats a missing attribute as `null` (so `!` of a comparison on
//! it is true) where Kaleido says *unknown*. Everything else — `all` (every
//! element satisfying a condition has no segment equivalent), `if`,
//! arithmetic, `var` with a default, `map`, … — is an
//! [`ErrorKind::Argument`](crate::ErrorKind::Argument) error naming the
//! operator and its JSON Pointer: `unsupported JsonLogic operator "map" at /and/1`.
//!
//! # Segment rule → JsonLogic ([`to_json_logic`])
//!
//! A profile is a member when the rule is *true*; JsonLogic knows no
//! *unknown*, treats `null` as falsy and coerces types. So each condition `e`
//! is translated twice, into `T(e)` (truthy exactly when `e` is true) and
//! `F(e)` (truthy exactly when `e` is false), and the result is `T(rule)`:
//! `T(a and b) = T(a) and T(b)`, `F(a and b) = F(a) or F(b)`, `T(a or b) =
//! T(a) or T(b)`, `F(a or b) = F(a) and F(b)`, `T(not a) = F(a)`,
//! `F(not a) = T(a)`. Conditions compare only values of the literal's type,
//! as Kaleido does, using type tests JsonLogic can write:
//!
//! | test | JsonLogic (`v` is `{"var": "p"}`) |
//! |---|---|
//! | is a number | `{"===": [v, {"+": [v]}]}` |
//! | is a string | `{"===": [v, {"cat": [v]}]}` |
//! | is a boolean | `{"in": [v, [true, false]]}` |
//! | is a non-empty array | `{"reduce": [v, true, false]}` |
//! | is an array | non-empty, or `{"!": v}` and not `0`, `""`, `null`, `false` |
//!
//! | segment condition | `T` | `F` |
//! |---|---|---|
//! | `p = V` | `{"===": [v, V]}` | is V's type and `{"!==": [v, V]}` |
//! | `p < V` (`<=`, `>`, `>=`; V a number or string) | is V's type and `{"<": [v, V]}` | is V's type and `{">=": [v, V]}` |
//! | `p < true` (booleans order `false < true`) | `{"===": [v, false]}` | `{"===": [v, true]}` |
//! | `p between A and B` (numbers) | is a number and `{"<=": [A, v, B]}` | `F(p >= A) or F(p <= B)` |
//! | `p in [V, …]` | `{"in": [v, [V, …]]}` | is V's type (all one type) and not `in` |
//! | `p contains V` (V a number or boolean) | non-empty array and `{"in": [V, v]}` | array and not `in` |
//! | `p contains any/all [V, …]` (numbers, booleans) | non-empty array and `in` each (any / all) | array and not `in` (all / any) |
//! | `p is set` | `{"!=": [v, null]}` | `{"==": [v, null]}` |
//! | `p` | `{"===": [v, true]}` | `{"===": [v, false]}` |
//!
//! Not expressible, an [`ErrorKind::Argument`](crate::ErrorKind::Argument)
//! error `… cannot be expressed in JsonLogic`: string `contains` (also in
//! `contains any/all`), `starts with`, `ends with` (case-insensitive),
//! `matches`, dates and date-times, every event condition, `in segment`,
//! ordering against a string holding characters past U+D7FF (JavaScript
//! orders strings by UTF-16 code units, Kaleido by code points), and paths
//! JsonLogic's `var` would read differently: a part that is empty, holds a
//! dot, is all digits, or names a JavaScript built-in member (`length`,
//! `toString`, …). One difference remains: Kaleido also finds `a.b` under a
//! flat key `"a.b"` of the profile; JsonLogic only under nested objects. And
//! json-logic-js throws a `TypeError` where an attribute holds an object with
//! a `toString` key and a type test converts it to a string.

mod apply;
mod convert;
mod js;

pub use apply::{MAX_DEPTH, MAX_LEN, MAX_STEPS};

use crate::error::Result;
use crate::rules::ast::Expr;
use crate::rules::Segment;

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

/// Converts a JsonLogic rule (the boolean subset, see the module docs) to a
/// segment rule. Anything else is an [`ErrorKind::Argument`](crate::ErrorKind::Argument)
/// error naming the operator and its JSON Pointer.
///
/// ```
/// use serde_json::json;
/// let logic = json!({"and": [{">=": [{"var": "age"}, 30]}, {"in": [{"var": "country"}, ["US", "CA"]]}]});
/// let rule = kaleido::Segment::from_expr(kaleido::jsonlogic::from_json_logic(&logic).unwrap());
/// assert_eq!(rule.to_string(), "age >= 30 and country in [\"US\", \"CA\"]");
/// ```
pub fn from_json_logic(logic: &serde_json::Value) -> Result<Expr> {
    convert::from_json_logic(logic)
}

/// Converts a segment rule to JsonLogic that is truthy exactly when the rule
/// is true (see the module docs). Conditions JsonLogic cannot express are an
/// [`ErrorKind::Argument`](crate::ErrorKind::Argument) error.
///
/// ```
/// use serde_json::json;
/// let rule = kaleido::Segment::parse("not vip").unwrap();
/// let logic = kaleido::jsonlogic::to_json_logic(rule.expr()).unwrap();
/// assert_eq!(logic, json!({"===": [{"var": "vip"}, false]}));
/// ```
pub fn to_json_logic(expr: &Expr) -> Result<serde_json::Value> {
    convert::to_json_logic(expr)
}

impl Segment {
    /// A segment from a JsonLogic rule: see [`from_json_logic`].
    pub fn from_json_logic(logic: &serde_json::Value) -> Result<Segment> {
        from_json_logic(logic).map(Segment::from_expr)
    }

    /// This rule as JsonLogic: see [`to_json_logic`].
    pub fn to_json_logic(&self) -> Result<serde_json::Value> {
        to_json_logic(self.expr())
    }
}
