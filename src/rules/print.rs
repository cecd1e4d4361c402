//! Canonical text form of the AST.
use super::ast::Expr;

pub(crate) fn to_text(expr: &Expr) -> String {
    format!("{expr:?}")
}
