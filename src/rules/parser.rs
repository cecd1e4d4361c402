//! Recursive-descent parser from rule text to [`Expr`].

use super::ast::{
    AggFunc, CmpOp, CultureTest, Direction, Duration, EventRef, Expr, LastTest, Literal, Path,
    Times, Unit, Window,
};
use super::lexer::{tokenize, Tok, Token};
use crate::error::{Error, ErrorKind, Result, Span};

/// How deeply `not` and parentheses may nest.
const MAX_DEPTH: usize = 200;

/// Words that cannot start an attribute path without backquotes.
pub(crate) const RESERVED: &[&str] = &[
    "and", "or", "not", "did", "in", "then", "true", "false", "last", "count", "sum", "avg", "min",
    "max", "same", "where",
];

/// Operator words accepted after an attribute path (for did-you-mean).
const OPERATORS: &[&str] = &[
    "between",
    "in",
    "not",
    "contains",
    "starts",
    "ends",
    "matches",
    "is",
    "within",
    "more",
    "before",
    "after",
    "anniversary",
];

/// Parses rule text into its AST.
pub(crate) fn parse(src: &str) -> Result<Expr> {
    let tokens = tokenize(src)?;
    let mut p = Parser {
        src,
        tokens,
        pos: 0,
        depth: 0,
        filter: FilterCtx::None,
    };
    if p.at_eof() {
        return Err(p.error_here("the rule is empty: write a condition such as age >= 30"));
    }
    let expr = p.or()?;
    if !p.at_eof() {
        return Err(p.error_here(&format!(
            "unexpected {}; expected \"and\", \"or\" or the end of the rule",
            p.describe()
        )));
    }
    Ok(expr)
}

#[derive(Clone, Copy, PartialEq)]
enum FilterCtx {
    /// Profile level.
    None,
    /// Inside `where` of an event.
    Event,
    /// Inside `where` of a sequence's second event: `same FIELD` allowed.
    Then,
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    filter: FilterCtx,
}

impl<'a> Parser<'a> {
    // ---- token helpers -------------------------------------------------

    fn tok(&self) -> &Tok {
        self.tok_at(0)
    }

    fn tok_at(&self, ahead: usize) -> &Tok {
        self.tokens
            .get(self.pos + ahead)
            .or_else(|| self.tokens.last())
            .map(|t| &t.tok)
            .unwrap_or(&Tok::Eof)
    }

    fn start(&self) -> usize {
        self.tokens
            .get(self.pos)
            .map(|t| t.start)
            .unwrap_or(self.src.len())
    }

    fn prev_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map(|t| t.end)
            .unwrap_or(0)
    }

    fn span_from(&self, start: usize) -> Span {
        Span::locate(self.src, start, self.prev_end())
    }

    fn advance(&mut self) {
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
    }

    fn at_eof(&self) -> bool {
        matches!(self.tok(), Tok::Eof)
    }

    fn is_kw_at(&self, ahead: usize, kw: &str) -> bool {
        matches!(self.tok_at(ahead), Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    fn is_kw(&self, kw: &str) -> bool {
        self.is_kw_at(0, kw)
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self.tok(), Tok::Punct(q) if *q == p)
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        if self.is_punct(p) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn describe(&self) -> String {
        match self.tok() {
            Tok::Eof => "the end of the rule".into(),
            Tok::Word(w) => format!("\"{w}\""),
            Tok::Quoted(w) => format!("`{w}`"),
            Tok::Punct(p) => format!("\"{p}\""),
            _ => {
                let t = self.tokens.get(self.pos);
                let text = t.and_then(|t| self.src.get(t.start..t.end)).unwrap_or("");
                text.to_string()
            }
        }
    }

    fn error_here(&self, message: &str) -> Error {
        let (start, end) = self
            .tokens
            .get(self.pos)
            .map(|t| (t.start, t.end.max(t.start + 1)))
            .unwrap_or((self.src.len(), self.src.len()));
        Error::new(ErrorKind::Parse, message)
            .with_span(self.src, Span::locate(self.src, start, end))
    }

    fn error_at(&self, start: usize, end: usize, message: &str) -> Error {
        Error::new(ErrorKind::Parse, message)
            .with_span(self.src, Span::locate(self.src, start, end))
    }

    fn expect_kw(&mut self, kw: &str, after: &str) -> Result<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.error_here(&format!(
                "expected \"{kw}\" after {after}, found {}",
                self.describe()
            )))
        }
    }

    fn expect_punct(&mut self, p: &str, after: &str) -> Result<()> {
        if self.eat_punct(p) {
            Ok(())
        } else {
            Err(self.error_here(&format!(
                "expected \"{p}\" after {after}, found {}",
                self.describe()
            )))
        }
    }

    // ---- boolean structure ---------------------------------------------

    fn or(&mut self) -> Result<Expr> {
        let start = self.start();
        let first = self.and()?;
        if !self.is_kw("or") {
            return Ok(first);
        }
        let mut args = vec![first];
        while self.eat_kw("or") {
            args.push(self.and()?);
        }
        Ok(Expr::Or {
            args,
            span: self.span_from(start),
        })
    }

    fn and(&mut self) -> Result<Expr> {
        let start = self.start();
        let first = self.unary()?;
        if !self.is_kw("and") {
            return Ok(first);
        }
        let mut args = vec![first];
        while self.eat_kw("and") {
            args.push(self.unary()?);
        }
        Ok(Expr::And {
            args,
            span: self.span_from(start),
        })
    }

    fn unary(&mut self) -> Result<Expr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_here("the rule is nested too deeply"));
        }
        let result = self.unary_inner();
        self.depth -= 1;
        result
    }

    fn unary_inner(&mut self) -> Result<Expr> {
        let start = self.start();
        if self.is_kw("not") && !(self.is_kw_at(1, "in") && self.is_kw_at(2, "segment")) {
            self.advance();
            if self.at_eof() {
                return Err(self.error_here("expected a condition after \"not\""));
            }
            let arg = self.unary()?;
            return Ok(Expr::Not {
                arg: Box::new(arg),
                span: self.span_from(start),
            });
        }
        if self.eat_punct("(") {
            if self.is_punct(")") {
                return Err(self.error_here("empty parentheses: expected a condition"));
            }
            let inner = self.or()?;
            self.expect_punct(")", "the condition in parentheses")?;
            return Ok(inner);
        }
        self.condition()
    }

    // ---- conditions ----------------------------------------------------

    fn condition(&mut self) -> Result<Expr> {
        let start = self.start();
        let in_filter = self.filter != FilterCtx::None;
        if self.is_kw("did") {
            if in_filter {
                return Err(self.error_here("an event condition cannot be nested inside \"where\""));
            }
            return self.did();
        }
        if (self.is_kw("in") || self.is_kw("not")) && self.segment_ref_ahead() {
            if in_filter {
                return Err(self.error_here("\"in segment\" cannot be used inside \"where\""));
            }
            let negated = self.eat_kw("not");
            self.advance(); // in
            self.advance(); // segment
            let Tok::Str(name) = self.tok().clone() else {
                return Err(self.error_here("expected the segment's name in quotes after \"in segment\", as in in segment \"vip\""));
            };
            self.advance();
            return Ok(Expr::InSegment {
                name,
                negated,
                span: self.span_from(start),
            });
        }
        if let Tok::Word(w) = self.tok() {
            let agg = match w.to_ascii_lowercase().as_str() {
                "count" => Some(AggFunc::Count),
                "sum" => Some(AggFunc::Sum),
                "avg" => Some(AggFunc::Avg),
                "min" => Some(AggFunc::Min),
                "max" => Some(AggFunc::Max),
                _ => None,
            };
            if let Some(func) = agg {
                if matches!(self.tok_at(1), Tok::Punct("(")) {
                    if in_filter {
                        return Err(
                            self.error_here("an aggregate cannot be nested inside \"where\"")
                        );
                    }
                    return self.aggregate(func);
                }
            }
            if self.is_kw("last") && matches!(self.tok_at(1), Tok::Word(_) | Tok::Quoted(_)) {
                if in_filter {
                    return Err(
                        self.error_here("an event condition cannot be nested inside \"where\"")
                    );
                }
                return self.last();
            }
            if self.is_kw("same") && matches!(self.tok_at(1), Tok::Word(_) | Tok::Quoted(_)) {
                if self.filter != FilterCtx::Then {
                    return Err(self.error_here(
                        "\"same FIELD\" is only allowed in the second \"where\" of a sequence (did A then did B where same FIELD)",
                    ));
                }
                self.advance();
                let path = self.path("\"same\"")?;
                return Ok(Expr::Same {
                    path,
                    span: self.span_from(start),
                });
            }
        }
        if let Some(test) = self.culture(in_filter)? {
            return Ok(Expr::Culture {
                test,
                span: self.span_from(start),
            });
        }
        if matches!(self.tok(), Tok::Word(_) | Tok::Quoted(_)) {
            let path = self.path("")?;
            return self.attribute(start, path);
        }
        Err(self.error_here(&format!("expected a condition, found {}", self.describe())))
    }

    /// `holiday "id" within next N UNIT`, `season = "x"` / `!=`,
    /// `local_time between HH:MM and HH:MM`. The words are keywords only in
    /// these forms (bare, not backquoted): `` `season` = "x" `` is an attribute.
    fn culture(&mut self, in_filter: bool) -> Result<Option<CultureTest>> {
        let holiday = self.is_kw("holiday") && matches!(self.tok_at(1), Tok::Str(_));
        let season = self.is_kw("season") && matches!(self.tok_at(1), Tok::Punct("=" | "!="));
        let local_time = self.is_kw("local_time")
            && self.is_kw_at(1, "between")
            && matches!(self.tok_at(2), Tok::Time(_));
        if !(holiday || season || local_time) {
            return Ok(None);
        }
        if in_filter {
            return Err(self.error_here(
                "holiday, season and local_time conditions cannot be used inside \"where\"",
            ));
        }
        self.advance();
        if holiday {
            let Tok::Str(id) = self.tok().clone() else {
                return Err(self.error_here("expected the holiday's id in quotes"));
            };
            self.advance();
            if !self.is_kw("within") {
                return Err(self.error_here(&format!(
                    "expected \"within next N days\" or \"within last N days\" after holiday \"{id}\", found {}",
                    self.describe()
                )));
            }
            self.advance();
            let direction = self.direction("\"within\"")?;
            let period = self.duration(&format!("\"within {}\"", dir_word(direction)))?;
            return Ok(Some(CultureTest::Holiday {
                id,
                direction,
                period,
            }));
        }
        if season {
            let negated = matches!(self.tok(), Tok::Punct("!="));
            self.advance();
            let Tok::Str(name) = self.tok().clone() else {
                return Err(self.error_here(
                    "expected a season in quotes: \"winter\", \"spring\", \"summer\" or \"autumn\"",
                ));
            };
            if !["winter", "spring", "summer", "autumn"].contains(&name.as_str()) {
                return Err(self.error_here(&format!(
                    "unknown season {name:?} (expected \"winter\", \"spring\", \"summer\" or \"autumn\")"
                )));
            }
            self.advance();
            return Ok(Some(CultureTest::Season {
                season: name,
                negated,
            }));
        }
        self.advance(); // between
        let Tok::Time(from) = self.tok().clone() else {
            return Err(self.error_here("expected a time such as 08:00"));
        };
        self.advance();
        self.expect_kw("and", "the first time of \"local_time between\"")?;
        let Tok::Time(to) = self.tok().clone() else {
            return Err(self.error_here("expected a time such as 20:00 after \"and\""));
        };
        self.advance();
        Ok(Some(CultureTest::LocalTime { from, to }))
    }

    fn segment_ref_ahead(&self) -> bool {
        let i = usize::from(self.is_kw("not"));
        self.is_kw_at(i, "in") && self.is_kw_at(i + 1, "segment")
    }

    fn name(&mut self, what: &str) -> Result<String> {
        match self.tok().clone() {
            Tok::Word(w) if !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(&w)) => {
                self.advance();
                Ok(w)
            }
            Tok::Word(w) => Err(self.error_here(&format!(
                "\"{w}\" is a keyword; write `{w}` in backquotes to use it as {what}"
            ))),
            Tok::Quoted(w) => {
                self.advance();
                Ok(w)
            }
            _ => Err(self.error_here(&format!("expected {what}, found {}", self.describe()))),
        }
    }

    fn path(&mut self, _after: &str) -> Result<Path> {
        let mut path = vec![self.name("an attribute name")?];
        while self.is_punct(".") {
            self.advance();
            match self.tok().clone() {
                Tok::Word(w) | Tok::Quoted(w) => {
                    self.advance();
                    path.push(w);
                }
                _ => return Err(self.error_here("expected a name after \".\"")),
            }
        }
        Ok(path)
    }

    fn attribute(&mut self, start: usize, path: Path) -> Result<Expr> {
        let path_text = self
            .src
            .get(start..self.prev_end())
            .unwrap_or("")
            .to_string();
        let op_start = self.start();
        if let Tok::Punct(p) = self.tok().clone() {
            let cmp = match p {
                "=" => Some(CmpOp::Eq),
                "!=" => Some(CmpOp::Ne),
                "<" => Some(CmpOp::Lt),
                "<=" => Some(CmpOp::Le),
                ">" => Some(CmpOp::Gt),
                ">=" => Some(CmpOp::Ge),
                _ => None,
            };
            if let Some(cmp) = cmp {
                self.advance();
                let value = self.literal(&format!("\"{p}\""))?;
                return Ok(Expr::Compare {
                    path,
                    cmp,
                    value,
                    span: self.span_from(start),
                });
            }
        }
        let word = match self.tok() {
            Tok::Word(w) => w.to_ascii_lowercase(),
            _ => String::new(),
        };
        let expr = match word.as_str() {
            "between" => {
                self.advance();
                let low = self.literal("\"between\"")?;
                self.expect_kw("and", "the lower bound of \"between\"")?;
                let high = self.literal("\"and\"")?;
                Expr::Between {
                    path,
                    low,
                    high,
                    span: Span::default(),
                }
            }
            "in" if matches!(self.tok_at(1), Tok::Punct("[")) => {
                self.advance();
                let values = self.list("\"in\"")?;
                Expr::In {
                    path,
                    values,
                    negated: false,
                    span: Span::default(),
                }
            }
            "not" if self.is_kw_at(1, "in") => {
                self.advance();
                self.advance();
                let values = self.list("\"not in\"")?;
                Expr::In {
                    path,
                    values,
                    negated: true,
                    span: Span::default(),
                }
            }
            "contains" => {
                self.advance();
                if self.is_kw("any") || self.is_kw("all") {
                    let all = self.is_kw("all");
                    self.advance();
                    let values = self.list(if all {
                        "\"contains all\""
                    } else {
                        "\"contains any\""
                    })?;
                    Expr::ContainsList {
                        path,
                        all,
                        values,
                        span: Span::default(),
                    }
                } else {
                    let value = self.literal("\"contains\"")?;
                    Expr::Contains {
                        path,
                        value,
                        span: Span::default(),
                    }
                }
            }
            "starts" | "ends" => {
                self.advance();
                self.expect_kw("with", &format!("\"{word}\""))?;
                let value = self.string_literal(&format!("\"{word} with\""))?;
                if word == "starts" {
                    Expr::StartsWith {
                        path,
                        value,
                        span: Span::default(),
                    }
                } else {
                    Expr::EndsWith {
                        path,
                        value,
                        span: Span::default(),
                    }
                }
            }
            "matches" => {
                self.advance();
                let re_start = self.start();
                let Tok::Regex(pattern, flags) = self.tok().clone() else {
                    return Err(self.error_here(
                        "expected a regular expression like /^vip-/i after \"matches\"",
                    ));
                };
                self.advance();
                if let Err(e) = compile_check(&pattern, &flags) {
                    return Err(self.error_at(re_start, self.prev_end(), &e));
                }
                Expr::Matches {
                    path,
                    pattern,
                    flags,
                    span: Span::default(),
                }
            }
            "is" => {
                self.advance();
                let negated = self.eat_kw("not");
                self.expect_kw("set", if negated { "\"is not\"" } else { "\"is\"" })?;
                Expr::IsSet {
                    path,
                    negated,
                    span: Span::default(),
                }
            }
            "within" if self.is_kw_at(1, "last") || self.is_kw_at(1, "next") => {
                self.advance();
                let direction = self.direction("\"within\"")?;
                let period = self.duration(&format!("\"within {}\"", dir_word(direction)))?;
                Expr::DateWithin {
                    path,
                    direction,
                    period,
                    span: Span::default(),
                }
            }
            "more" => {
                self.advance();
                self.expect_kw("than", "\"more\"")?;
                let period = self.duration("\"more than\"")?;
                self.expect_kw("ago", "the period")?;
                Expr::DateAgo {
                    path,
                    period,
                    span: Span::default(),
                }
            }
            "before" | "after" => {
                self.advance();
                let lit_start = self.start();
                let value = self.literal(&format!("\"{word}\""))?;
                if !matches!(value, Literal::Date(_) | Literal::DateTime(_)) {
                    return Err(self.error_at(
                        lit_start,
                        self.prev_end(),
                        &format!("expected a date (2025-01-31) or date-time after \"{word}\""),
                    ));
                }
                if word == "before" {
                    Expr::DateBefore {
                        path,
                        value,
                        span: Span::default(),
                    }
                } else {
                    Expr::DateAfter {
                        path,
                        value,
                        span: Span::default(),
                    }
                }
            }
            "anniversary" => {
                self.advance();
                self.expect_kw("within", "\"anniversary\"")?;
                let direction = self.direction("\"anniversary within\"")?;
                let period =
                    self.duration(&format!("\"anniversary within {}\"", dir_word(direction)))?;
                Expr::Anniversary {
                    path,
                    direction,
                    period,
                    span: Span::default(),
                }
            }
            _ => {
                if self.ends_condition() {
                    return Ok(Expr::IsTrue {
                        path,
                        span: self.span_from(start),
                    });
                }
                let hint = match self.tok() {
                    Tok::Word(w) => super::suggest(w, OPERATORS.iter().copied())
                        .map(|s| format!(" (did you mean \"{s}\"?)"))
                        .unwrap_or_default(),
                    Tok::Punct("==") => " (use \"=\")".to_string(),
                    _ => String::new(),
                };
                return Err(self.error_at(
                    op_start,
                    self.tokens.get(self.pos).map(|t| t.end).unwrap_or(op_start),
                    &format!(
                        "expected an operator after \"{path_text}\" (=, !=, <, <=, >, >=, between, in, not in, contains, starts with, ends with, matches, is set, within, more than, before, after, anniversary), found {}{hint}",
                        self.describe()
                    ),
                ));
            }
        };
        Ok(set_span(expr, self.span_from(start)))
    }

    /// Whether the current token can follow a complete condition.
    fn ends_condition(&self) -> bool {
        match self.tok() {
            Tok::Eof | Tok::Punct(")") => true,
            Tok::Word(w) => {
                let w = w.to_ascii_lowercase();
                matches!(
                    w.as_str(),
                    "and"
                        | "or"
                        | "then"
                        | "in"
                        | "since"
                        | "between"
                        | "at"
                        | "exactly"
                        | "once"
                        | "within"
                ) || (self.filter != FilterCtx::None && matches!(w.as_str(), "more"))
            }
            _ => false,
        }
    }

    fn direction(&mut self, after: &str) -> Result<Direction> {
        if self.eat_kw("last") {
            Ok(Direction::Last)
        } else if self.eat_kw("next") {
            Ok(Direction::Next)
        } else {
            Err(self.error_here(&format!(
                "expected \"last\" or \"next\" after {after}, found {}",
                self.describe()
            )))
        }
    }

    fn count(&mut self, after: &str) -> Result<u32> {
        match self.tok() {
            Tok::Number(n) if *n >= 0.0 && n.fract() == 0.0 && *n <= f64::from(u32::MAX) => {
                let n = *n as u32;
                self.advance();
                Ok(n)
            }
            _ => Err(self.error_here(&format!(
                "expected a whole number after {after}, found {}",
                self.describe()
            ))),
        }
    }

    fn duration(&mut self, after: &str) -> Result<Duration> {
        let amount = self.count(after)?;
        let unit = match self.tok() {
            Tok::Word(w) => match w.to_ascii_lowercase().as_str() {
                "hour" | "hours" => Some(Unit::Hours),
                "day" | "days" => Some(Unit::Days),
                "week" | "weeks" => Some(Unit::Weeks),
                "month" | "months" => Some(Unit::Months),
                "year" | "years" => Some(Unit::Years),
                _ => None,
            },
            _ => None,
        };
        match unit {
            Some(unit) => {
                self.advance();
                Ok(Duration { amount, unit })
            }
            None => Err(self.error_here(&format!(
                "expected a unit (hours, days, weeks, months or years) after {amount}, found {}",
                self.describe()
            ))),
        }
    }

    fn literal(&mut self, after: &str) -> Result<Literal> {
        let lit = match self.tok().clone() {
            Tok::Number(n) => Literal::Number(n),
            Tok::Str(s) => Literal::String(s),
            Tok::Date(d) => Literal::Date(d),
            Tok::DateTime(d) => Literal::DateTime(d),
            Tok::Word(w) if w.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Tok::Word(w) if w.eq_ignore_ascii_case("false") => Literal::Bool(false),
            Tok::Word(w) if !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(&w)) => {
                return Err(self.error_here(&format!(
                    "expected a value after {after}, found the name \"{w}\" (strings are written in quotes: \"{w}\")"
                )));
            }
            _ => {
                return Err(self.error_here(&format!("expected a value after {after}")));
            }
        };
        self.advance();
        Ok(lit)
    }

    fn string_literal(&mut self, after: &str) -> Result<String> {
        match self.tok().clone() {
            Tok::Str(s) => {
                self.advance();
                Ok(s)
            }
            _ => Err(self.error_here(&format!(
                "expected a string in quotes after {after}, found {}",
                self.describe()
            ))),
        }
    }

    fn list(&mut self, after: &str) -> Result<Vec<Literal>> {
        self.expect_punct("[", after)?;
        let mut values = Vec::new();
        if self.eat_punct("]") {
            return Ok(values);
        }
        loop {
            values.push(self.literal(if values.is_empty() { "\"[\"" } else { "\",\"" })?);
            if self.eat_punct("]") {
                return Ok(values);
            }
            self.expect_punct(",", "a list value")?;
        }
    }

    // ---- event conditions ----------------------------------------------

    fn event_ref(&mut self, ctx: FilterCtx) -> Result<EventRef> {
        let name = self.name("an event name")?;
        let filter = self.filter_clause(ctx)?;
        Ok(EventRef { name, filter })
    }

    fn filter_clause(&mut self, ctx: FilterCtx) -> Result<Option<Box<Expr>>> {
        if !self.eat_kw("where") {
            return Ok(None);
        }
        if self.at_eof() {
            return Err(self.error_here("expected a condition on the event after \"where\""));
        }
        let saved = self.filter;
        self.filter = ctx;
        let filter = self.unary();
        self.filter = saved;
        Ok(Some(Box::new(filter?)))
    }

    fn window(&mut self) -> Result<Option<Window>> {
        if self.is_kw("in") && self.is_kw_at(1, "last") {
            self.advance();
            self.advance();
            return Ok(Some(Window::Last(self.duration("\"in last\"")?)));
        }
        if self.eat_kw("since") {
            return Ok(Some(Window::Since(self.date_literal("\"since\"")?)));
        }
        if self.eat_kw("between") {
            let from = self.date_literal("\"between\"")?;
            self.expect_kw("and", "the first date")?;
            let to = self.date_literal("\"and\"")?;
            return Ok(Some(Window::Between(from, to)));
        }
        Ok(None)
    }

    fn date_literal(&mut self, after: &str) -> Result<Literal> {
        match self.tok().clone() {
            Tok::Date(d) => {
                self.advance();
                Ok(Literal::Date(d))
            }
            Tok::DateTime(d) => {
                self.advance();
                Ok(Literal::DateTime(d))
            }
            _ => Err(self.error_here(&format!(
                "expected a date (2025-01-31) or date-time after {after}, found {}",
                self.describe()
            ))),
        }
    }

    fn times(&mut self) -> Result<Option<Times>> {
        if self.eat_kw("once") {
            return Ok(Some(Times::Once));
        }
        let kind = if self.is_kw("at") && self.is_kw_at(1, "least") {
            "at least"
        } else if self.is_kw("at") && self.is_kw_at(1, "most") {
            "at most"
        } else if self.is_kw("exactly") {
            "exactly"
        } else {
            if self.is_kw("at") {
                self.advance();
                return Err(self.error_here(&format!(
                    "expected \"least\" or \"most\" after \"at\", found {}",
                    self.describe()
                )));
            }
            return Ok(None);
        };
        self.advance();
        if kind != "exactly" {
            self.advance();
        }
        let n = self.count(&format!("\"{kind}\""))?;
        if !(self.eat_kw("times") || self.eat_kw("time")) {
            return Err(self.error_here(&format!(
                "expected \"times\" after \"{kind} {n}\", found {}",
                self.describe()
            )));
        }
        Ok(Some(match kind {
            "at least" => Times::AtLeast(n),
            "at most" => Times::AtMost(n),
            _ => Times::Exactly(n),
        }))
    }

    fn did(&mut self) -> Result<Expr> {
        let start = self.start();
        self.advance(); // did
        let negated = self.eat_kw("not");
        let event = self.event_ref(FilterCtx::Event)?;
        if self.is_kw("then") {
            if negated {
                return Err(self.error_here(
                    "a sequence starts with \"did\", not \"did not\": did A then did not B",
                ));
            }
            self.advance();
            self.expect_kw("did", "\"then\"")?;
            let then_negated = self.eat_kw("not");
            let then = self.event_ref(FilterCtx::Then)?;
            let within = if self.eat_kw("within") {
                Some(self.duration("\"within\"")?)
            } else {
                None
            };
            let window = self.window()?;
            return Ok(Expr::Sequence {
                first: event,
                then,
                negated: then_negated,
                within,
                window,
                span: self.span_from(start),
            });
        }
        let mut times = self.times()?;
        let window = self.window()?;
        if times.is_none() {
            times = self.times()?;
        }
        Ok(Expr::Did {
            event,
            negated,
            times,
            window,
            span: self.span_from(start),
        })
    }

    fn aggregate(&mut self, func: AggFunc) -> Result<Expr> {
        let start = self.start();
        self.advance(); // func
        self.advance(); // (
        let name_start = self.start();
        let mut path = self.path("")?;
        let field = if func == AggFunc::Count {
            if path.len() > 1 {
                return Err(self.error_at(
                    name_start,
                    self.prev_end(),
                    "count takes an event type, as in count(purchase); sum, avg, min and max take EVENT.FIELD",
                ));
            }
            None
        } else {
            if path.len() < 2 {
                return Err(self.error_at(
                    name_start,
                    self.prev_end(),
                    &format!(
                        "{}() takes EVENT.FIELD, as in {}(purchase.amount)",
                        func.name(),
                        func.name()
                    ),
                ));
            }
            Some(path.split_off(1))
        };
        let name = path.into_iter().next().unwrap_or_default();
        let filter = self.filter_clause(FilterCtx::Event)?;
        let window = self.window()?;
        self.expect_punct(")", &format!("the {}(…) arguments", func.name()))?;
        let cmp = match self.tok() {
            Tok::Punct("=") => CmpOp::Eq,
            Tok::Punct("!=") => CmpOp::Ne,
            Tok::Punct("<") => CmpOp::Lt,
            Tok::Punct("<=") => CmpOp::Le,
            Tok::Punct(">") => CmpOp::Gt,
            Tok::Punct(">=") => CmpOp::Ge,
            _ => {
                return Err(self.error_here(&format!(
                    "expected a comparison (=, !=, <, <=, >, >=) after {}(…), found {}",
                    func.name(),
                    self.describe()
                )))
            }
        };
        let sym = cmp.symbol();
        self.advance();
        let value = match self.tok() {
            Tok::Number(n) => *n,
            _ => return Err(self.error_here(&format!("expected a number after \"{sym}\""))),
        };
        self.advance();
        Ok(Expr::Aggregate {
            func,
            event: EventRef { name, filter },
            field,
            window,
            cmp,
            value,
            span: self.span_from(start),
        })
    }

    fn last(&mut self) -> Result<Expr> {
        let start = self.start();
        self.advance(); // last
        let event = self.event_ref(FilterCtx::Event)?;
        let test = if self.eat_kw("within") {
            self.expect_kw("last", "\"within\"")?;
            LastTest::WithinLast(self.duration("\"within last\"")?)
        } else if self.eat_kw("more") {
            self.expect_kw("than", "\"more\"")?;
            let d = self.duration("\"more than\"")?;
            self.expect_kw("ago", "the period")?;
            LastTest::MoreThanAgo(d)
        } else {
            return Err(self.error_here(&format!(
                "expected \"within last N days\" or \"more than N days ago\" after \"last {}\", found {}",
                event.name,
                self.describe()
            )));
        };
        Ok(Expr::Last {
            event,
            test,
            span: self.span_from(start),
        })
    }
}

fn dir_word(d: Direction) -> &'static str {
    match d {
        Direction::Last => "last",
        Direction::Next => "next",
    }
}

/// Checks that a `matches` pattern compiles, returning the regex error's text.
pub(crate) fn compile_check(pattern: &str, flags: &str) -> std::result::Result<(), String> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(flags.contains('i'))
        .multi_line(flags.contains('m'))
        .dot_matches_new_line(flags.contains('s'))
        .size_limit(1 << 20)
        .build()
        .map(|_| ())
        .map_err(|e| {
            let text = e.to_string();
            let last = text
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            format!(
                "invalid regular expression: {}",
                last.trim_start_matches("error: ")
            )
        })
}

fn set_span(mut expr: Expr, new: Span) -> Expr {
    match &mut expr {
        Expr::Between { span, .. }
        | Expr::In { span, .. }
        | Expr::Contains { span, .. }
        | Expr::ContainsList { span, .. }
        | Expr::StartsWith { span, .. }
        | Expr::EndsWith { span, .. }
        | Expr::Matches { span, .. }
        | Expr::IsSet { span, .. }
        | Expr::DateWithin { span, .. }
        | Expr::DateAgo { span, .. }
        | Expr::DateBefore { span, .. }
        | Expr::DateAfter { span, .. }
        | Expr::Anniversary { span, .. } => *span = new,
        _ => {}
    }
    expr
}
