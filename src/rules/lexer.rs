//! Tokens of the segment language.
//!
//! Words are returned as [`Tok::Word`] and recognised as keywords by the
//! parser in context, so most English words stay usable as attribute names.

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::error::{Error, ErrorKind, Result, Span};

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// A bare word: a keyword or an identifier.
    Word(String),
    /// A backquoted identifier: never a keyword.
    Quoted(String),
    /// A string literal, unescaped.
    Str(String),
    /// A number literal (sign included).
    Number(f64),
    /// `2025-01-31`
    Date(NaiveDate),
    /// `2025-01-31T09:00:00Z`
    DateTime(DateTime<FixedOffset>),
    /// `08:00`: a wall-clock time `HH:MM` (only in `local_time between`).
    Time(String),
    /// `/pattern/flags`: the pattern between the slashes, `\\/` read as `/`.
    Regex(String, String),
    /// Punctuation and operators: `( ) [ ] , . = != < <= > >=`.
    Punct(&'static str),
    /// The end of the text.
    Eof,
}

/// A token and its byte range.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

/// Splits `src` into tokens, ending with [`Tok::Eof`].
pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>> {
    let mut lx = Lexer { src, pos: 0 };
    let mut out = Vec::new();
    loop {
        lx.skip_space();
        let start = lx.pos;
        let Some(c) = lx.peek() else {
            out.push(Token {
                tok: Tok::Eof,
                start,
                end: start,
            });
            return Ok(out);
        };
        let tok = match c {
            '(' | ')' | '[' | ']' | ',' | '.' | '=' => {
                lx.bump();
                Tok::Punct(match c {
                    '(' => "(",
                    ')' => ")",
                    '[' => "[",
                    ']' => "]",
                    ',' => ",",
                    '.' => ".",
                    _ => "=",
                })
            }
            '!' => {
                lx.bump();
                if lx.eat('=') {
                    Tok::Punct("!=")
                } else {
                    return Err(lx.error(start, "expected \"!=\"; use \"not\" for negation"));
                }
            }
            '<' | '>' => {
                lx.bump();
                let eq = lx.eat('=');
                Tok::Punct(match (c, eq) {
                    ('<', false) => "<",
                    ('<', true) => "<=",
                    (_, false) => ">",
                    (_, true) => ">=",
                })
            }
            '"' => lx.string()?,
            '`' => lx.quoted()?,
            '/' => lx.regex()?,
            '-' | '0'..='9' => lx.number_or_date()?,
            c if c.is_alphabetic() || c == '_' => {
                let word = lx.take_while(|c| c.is_alphanumeric() || c == '_');
                Tok::Word(word.to_string())
            }
            c => {
                lx.bump();
                return Err(lx.error(start, &format!("unexpected character {c:?}")));
            }
        };
        out.push(Token {
            tok,
            start,
            end: lx.pos,
        });
    }
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek2(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if !f(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        self.src.get(start..self.pos).unwrap_or("")
    }

    fn skip_space(&mut self) {
        loop {
            self.take_while(char::is_whitespace);
            // `#` starts a comment to the end of the line.
            if self.peek() == Some('#') {
                self.take_while(|c| c != '\n');
            } else {
                return;
            }
        }
    }

    fn error(&self, start: usize, message: &str) -> Error {
        let end = self.pos.max(start + 1);
        Error::new(ErrorKind::Parse, message)
            .with_span(self.src, Span::locate(self.src, start, end))
    }

    fn escape(&mut self, start: usize) -> Result<char> {
        let Some(c) = self.bump() else {
            return Err(self.error(start, "unterminated escape sequence"));
        };
        Ok(match c {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            '0' => '\0',
            '\\' | '"' | '`' | '\'' => c,
            'u' => {
                if !self.eat('{') {
                    return Err(self.error(start, "expected \"{\" after \\u, as in \\u{e9}"));
                }
                let hex = self.take_while(|c| c.is_ascii_hexdigit());
                if !self.eat('}') || hex.is_empty() || hex.len() > 6 {
                    return Err(self.error(start, "a \\u escape is \\u{…} with 1 to 6 hex digits"));
                }
                u32::from_str_radix(hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| self.error(start, "\\u escape is not a Unicode scalar value"))?
            }
            other => {
                return Err(self.error(start, &format!("unknown escape \\{other}")));
            }
        })
    }

    fn string(&mut self) -> Result<Tok> {
        let start = self.pos;
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(self.error(start, "unterminated string: a closing \" is missing"))
                }
                Some('"') => return Ok(Tok::Str(out)),
                Some('\\') => {
                    let esc = self.pos - 1;
                    out.push(self.escape(esc)?);
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn quoted(&mut self) -> Result<Tok> {
        let start = self.pos;
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error(start, "unterminated name: a closing ` is missing")),
                Some('`') if out.is_empty() => return Err(self.error(start, "empty name ``")),
                Some('`') => return Ok(Tok::Quoted(out)),
                Some('\\') => {
                    let esc = self.pos - 1;
                    out.push(self.escape(esc)?);
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn regex(&mut self) -> Result<Tok> {
        let start = self.pos;
        self.bump();
        let mut pattern = String::new();
        loop {
            match self.bump() {
                None | Some('\n') => {
                    return Err(self.error(
                        start,
                        "unterminated regular expression: a closing / is missing",
                    ))
                }
                Some('/') => break,
                // `\/` is a slash inside the pattern; other escapes stay as written.
                Some('\\') => match self.bump() {
                    Some('/') => pattern.push('/'),
                    Some(c) => {
                        pattern.push('\\');
                        pattern.push(c);
                    }
                    None => return Err(self.error(start, "unterminated regular expression")),
                },
                Some(c) => pattern.push(c),
            }
        }
        let flags_start = self.pos;
        let flags = self.take_while(|c| c.is_alphanumeric()).to_string();
        if let Some(bad) = flags.chars().find(|c| !matches!(c, 'i' | 'm' | 's' | 'u')) {
            return Err(self.error(
                flags_start,
                &format!("unknown regular expression flag {bad:?} (use i, m, s or u)"),
            ));
        }
        Ok(Tok::Regex(pattern, flags))
    }

    fn number_or_date(&mut self) -> Result<Tok> {
        let start = self.pos;
        let rest = self.rest();
        // Wall-clock times: 2 digits, ':', 2 digits.
        let t = rest.as_bytes();
        if t.len() >= 5
            && t.iter().take(2).all(u8::is_ascii_digit)
            && t.get(2) == Some(&b':')
            && t.get(3..5)
                .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
            && !t
                .get(5)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b':')
        {
            let text = rest.get(..5).unwrap_or("").to_string();
            let valid = chrono::NaiveTime::parse_from_str(&text, "%H:%M").is_ok();
            self.pos += 5;
            if !valid {
                return Err(self.error(
                    start,
                    &format!("{text:?} is not a valid time (00:00 to 23:59)"),
                ));
            }
            return Ok(Tok::Time(text));
        }
        // Dates and date-times: 4 digits, '-', 2 digits, '-', 2 digits.
        let b = rest.as_bytes();
        let is_date = b.len() >= 10
            && b.iter().take(4).all(u8::is_ascii_digit)
            && b.get(4) == Some(&b'-')
            && b.get(5..7)
                .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
            && b.get(7) == Some(&b'-')
            && b.get(8..10)
                .is_some_and(|s| s.iter().all(u8::is_ascii_digit));
        if is_date {
            let has_time = matches!(b.get(10), Some(b'T') | Some(b't'));
            let text = self
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '.' | '+'));
            if has_time {
                return DateTime::parse_from_rfc3339(text)
                    .map(Tok::DateTime)
                    .map_err(|_| {
                        self.error(
                            start,
                            &format!(
                                "{text:?} is not an RFC 3339 date-time (like 2025-01-31T09:00:00Z)"
                            ),
                        )
                    });
            }
            return NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Tok::Date)
                .map_err(|_| {
                    self.error(start, &format!("{text:?} is not a valid date (YYYY-MM-DD)"))
                });
        }
        if self.peek() == Some('-') && !self.peek2().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            return Err(self.error(start, "expected a number after \"-\""));
        }
        self.eat('-');
        self.take_while(|c| c.is_ascii_digit());
        if self.peek() == Some('.') && self.peek2().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            self.take_while(|c| c.is_ascii_digit());
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let save = self.pos;
            self.bump();
            if matches!(self.peek(), Some('+' | '-')) {
                self.bump();
            }
            if self.take_while(|c| c.is_ascii_digit()).is_empty() {
                self.pos = save;
            }
        }
        if self.peek().is_some_and(|c| c.is_alphabetic() || c == '_') {
            self.take_while(|c| c.is_alphanumeric() || c == '_');
            return Err(self.error(
                start,
                "a name cannot start with a digit; write it in backquotes",
            ));
        }
        let text = self.src.get(start..self.pos).unwrap_or("");
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Tok::Number(n)),
            _ => Err(self.error(
                start,
                &format!("{text:?} is not a number Kaleido can represent"),
            )),
        }
    }
}
