//! A light scan of template source: the tokens inside `{{ … }}` and
//! `{% … %}` tags, enough to find what minijinja does not report itself —
//! the segment conditions (`in_segment("…")`, `matches("…")`), the filters a
//! template applies and the fallbacks merge fields get (`x | default("…")`),
//! each with its byte position in the source.
//!
//! It is not a second Jinja parser: minijinja has already accepted the source
//! when this runs, so the scan only has to tell strings, names and operators
//! apart inside tags and skip comments and `{% raw %}` sections.

use crate::error::{Error, ErrorKind, Result, Span};

/// One token inside a tag.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// A name (`first_name`, `in_segment`, `default`).
    Ident(String),
    /// A string literal, decoded, with the source offset of each decoded byte
    /// (and one past the end) so positions inside it map back to the source.
    Str(String, Vec<usize>),
    /// Any other character (`|`, `(`, `.`, `,`), numbers included.
    Punct(char),
}

/// A token and the byte range it covers in the source.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

/// The tokens of every tag of `source`, in order. Tag boundaries are kept as
/// `Punct('\n')` tokens so a pattern never spans two tags.
pub(crate) fn tokens(source: &str) -> Vec<Token> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut in_raw = false;
    while i < bytes.len() {
        let rest = source.get(i..).unwrap_or("");
        if rest.starts_with("{#") {
            i = rest.find("#}").map_or(bytes.len(), |j| i + j + 2);
            continue;
        }
        let close = if rest.starts_with("{{") {
            "}}"
        } else if rest.starts_with("{%") {
            "%}"
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let (tag, end) = lex_tag(source, i + 2, close);
        let words: Vec<&str> = tag
            .iter()
            .filter_map(|t| match &t.tok {
                Tok::Ident(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        if close == "%}" && words.first() == Some(&"raw") {
            in_raw = true;
        } else if close == "%}" && words.first() == Some(&"endraw") {
            in_raw = false;
        } else if !in_raw {
            out.extend(tag);
            out.push(Token {
                tok: Tok::Punct('\n'),
                start: end,
                end,
            });
        }
        i = end;
    }
    out
}

/// Lexes one tag starting at byte `i` (just inside the opening delimiter)
/// until `close`; returns its tokens and the offset just past `close`.
fn lex_tag(source: &str, mut i: usize, close: &str) -> (Vec<Token>, usize) {
    let mut out = Vec::new();
    loop {
        let Some(rest) = source.get(i..) else {
            return (out, source.len());
        };
        let Some(c) = rest.chars().next() else {
            return (out, source.len());
        };
        // `-}}`, `+%}` (whitespace control) close a tag too.
        let trimmed = rest.strip_prefix(['-', '+']).unwrap_or(rest);
        if trimmed.starts_with(close) {
            return (out, i + (rest.len() - trimmed.len()) + close.len());
        }
        if c.is_whitespace() {
            i += c.len_utf8();
        } else if c == '"' || c == '\'' {
            let (text, offsets, end) = lex_string(source, i, c);
            out.push(Token {
                tok: Tok::Str(text, offsets),
                start: i,
                end,
            });
            i = end;
        } else if c.is_alphabetic() || c == '_' {
            let len = rest
                .find(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
                .unwrap_or(rest.len());
            out.push(Token {
                tok: Tok::Ident(rest.get(..len).unwrap_or("").to_owned()),
                start: i,
                end: i + len,
            });
            i += len;
        } else {
            out.push(Token {
                tok: Tok::Punct(c),
                start: i,
                end: i + c.len_utf8(),
            });
            i += c.len_utf8();
        }
    }
}

/// Decodes the string literal opening with `quote` at byte `start`: its text,
/// the source offset of each decoded byte (plus one past the end), and the
/// offset just past the closing quote.
fn lex_string(source: &str, start: usize, quote: char) -> (String, Vec<usize>, usize) {
    let mut text = String::new();
    let mut offsets = Vec::new();
    let mut chars = source
        .get(start + 1..)
        .unwrap_or("")
        .char_indices()
        .map(|(j, c)| (start + 1 + j, c))
        .peekable();
    while let Some((at, c)) = chars.next() {
        if c == quote {
            offsets.push(at);
            return (text, offsets, at + 1);
        }
        let decoded = if c == '\\' {
            match chars.next() {
                Some((_, 'n')) => '\n',
                Some((_, 't')) => '\t',
                Some((_, 'r')) => '\r',
                Some((_, other)) => other,
                None => break,
            }
        } else {
            c
        };
        for _ in 0..decoded.len_utf8() {
            offsets.push(at);
        }
        text.push(decoded);
    }
    offsets.push(source.len());
    (text, offsets, source.len())
}

/// The kind of a segment condition in a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConditionKind {
    /// `in_segment("name")`: membership of a named segment of the `segments` option.
    InSegment,
    /// `matches("rule")`: a rule literal.
    Rule,
}

/// A call `in_segment("…")` or `matches("…")` found in the source.
#[derive(Debug, Clone)]
pub(crate) struct ConditionCall {
    pub kind: ConditionKind,
    /// The decoded argument.
    pub text: String,
    /// Source offset of each decoded byte of the argument (plus one past the end).
    pub offsets: Vec<usize>,
    /// Byte range of the whole call name..argument.
    pub start: usize,
    pub end: usize,
}

/// Every segment-condition call in `tokens`. A call whose argument is not a
/// single string literal is an [`ErrorKind::Template`] error: conditions must
/// be known when the template compiles (to parse rules once and to group an
/// audience by them).
pub(crate) fn condition_calls(tokens: &[Token], source: &str) -> Result<Vec<ConditionCall>> {
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let kind = match &t.tok {
            Tok::Ident(name) if name == "in_segment" => ConditionKind::InSegment,
            Tok::Ident(name) if name == "matches" => ConditionKind::Rule,
            _ => continue,
        };
        // `x is matches` or `.matches` are not calls of the function.
        let prev = i.checked_sub(1).and_then(|p| tokens.get(p));
        if matches!(prev.map(|p| &p.tok), Some(Tok::Punct('.'))) {
            continue;
        }
        if !matches!(tokens.get(i + 1).map(|t| &t.tok), Some(Tok::Punct('('))) {
            continue;
        }
        let name = if kind == ConditionKind::InSegment {
            "in_segment"
        } else {
            "matches"
        };
        match (
            tokens.get(i + 2).map(|t| &t.tok),
            tokens.get(i + 3).map(|t| (&t.tok, t.end)),
        ) {
            (Some(Tok::Str(text, offsets)), Some((Tok::Punct(')'), end))) => {
                out.push(ConditionCall {
                    kind,
                    text: text.clone(),
                    offsets: offsets.clone(),
                    start: t.start,
                    end,
                })
            }
            _ => {
                return Err(Error::new(
                    ErrorKind::Template,
                    format!(
                        "{name}(…) takes one string literal (conditions must be known when the template compiles)"
                    ),
                )
                .with_span(source, Span::locate(source, t.start, t.end)))
            }
        }
    }
    Ok(out)
}

/// A filter application `| name` with its position.
#[derive(Debug, Clone)]
pub(crate) struct FilterUse {
    pub name: String,
    pub start: usize,
    pub end: usize,
}

/// Every `| name` in `tokens`.
pub(crate) fn filter_uses(tokens: &[Token]) -> Vec<FilterUse> {
    tokens
        .windows(2)
        .filter_map(|w| match (w.first()?, w.get(1)?) {
            (
                Token {
                    tok: Tok::Punct('|'),
                    ..
                },
                Token {
                    tok: Tok::Ident(name),
                    start,
                    end,
                },
            ) => Some(FilterUse {
                name: name.clone(),
                start: *start,
                end: *end,
            }),
            _ => None,
        })
        .collect()
}

/// Fallbacks given to merge fields: `first_name | default("there")` (or `d`)
/// maps `first_name` to `there`. The first fallback of each field wins.
pub(crate) fn fallbacks(tokens: &[Token]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let Tok::Ident(filter) = &t.tok else { continue };
        if filter != "default" && filter != "d" {
            continue;
        }
        let bar = i.checked_sub(1).and_then(|p| tokens.get(p));
        let field = i.checked_sub(2).and_then(|p| tokens.get(p));
        let is_attr = i
            .checked_sub(3)
            .and_then(|p| tokens.get(p))
            .is_some_and(|p| p.tok == Tok::Punct('.'));
        match (
            bar.map(|b| &b.tok),
            field.map(|f| &f.tok),
            tokens.get(i + 1).map(|t| &t.tok),
            tokens.get(i + 2).map(|t| &t.tok),
        ) {
            (
                Some(Tok::Punct('|')),
                Some(Tok::Ident(field)),
                Some(Tok::Punct('(')),
                Some(Tok::Str(fallback, _)),
            ) if !is_attr && !out.iter().any(|(f, _)| f == field) => {
                out.push((field.clone(), fallback.clone()));
            }
            _ => {}
        }
    }
    out
}

/// The offset of the first use of the name `name` in `tokens` (not after a
/// `.`, not a keyword argument), for positions of field diagnostics.
pub(crate) fn first_use(tokens: &[Token], name: &str) -> Option<(usize, usize)> {
    tokens.iter().enumerate().find_map(|(i, t)| match &t.tok {
        Tok::Ident(n) if n == name => {
            let after_dot = i
                .checked_sub(1)
                .and_then(|p| tokens.get(p))
                .is_some_and(|p| p.tok == Tok::Punct('.') || p.tok == Tok::Punct('|'));
            (!after_dot).then_some((t.start, t.end))
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_conditions_filters_and_fallbacks() {
        let src = r#"Hi {{ first_name | default("there") }}{# matches("x") #}
{% if in_segment("vip") and not matches('age > 3 and name = "a\"b"') %}{{ price | money("EUR") }}{% endif %}
{% raw %}{{ matches("ignored") }}{% endraw %}"#;
        let toks = tokens(src);
        let calls = condition_calls(&toks, src).unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].kind, ConditionKind::InSegment);
        assert_eq!(calls[0].text, "vip");
        assert_eq!(calls[1].text, "age > 3 and name = \"a\"b\"");
        // Offsets map decoded bytes back to the source.
        let a = calls[1].offsets[0];
        assert_eq!(&src[a..a + 3], "age");
        let names: Vec<_> = filter_uses(&toks).into_iter().map(|f| f.name).collect();
        assert_eq!(names, ["default", "money"]);
        assert_eq!(
            fallbacks(&toks),
            [("first_name".to_string(), "there".to_string())]
        );
    }

    #[test]
    fn a_non_literal_condition_is_an_error() {
        let src = "{% if in_segment(name) %}x{% endif %}";
        let err = condition_calls(&tokens(src), src).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Template);
        assert_eq!(err.column(), Some(7));
    }
}
