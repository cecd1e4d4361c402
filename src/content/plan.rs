//! A direct renderer for the common subset of templates.
//!
//! Most email templates use a small part of Jinja: text, merge fields with
//! Kaleido's filters (`default`, `money`, `date`, …), `{% if %}` over segment
//! conditions, fields and comparisons, and `{% for %}` over a list with
//! `loop.index`. For such a template a [`Plan`] is built when it compiles and
//! renders straight from the JSON profile, without converting the profile
//! into minijinja values or running the VM.
//!
//! The plan is an accelerator, never a second interpretation: minijinja has
//! already accepted the source, the plan only accepts what it reproduces
//! byte for byte (anything else and no plan is built), it calls the very
//! filter functions minijinja calls, and whenever a render meets a case it
//! does not model (a value of an unexpected type, a filter error, the output
//! cap, a large render near the fuel budget) it gives up and the render is
//! done by minijinja, which also reports any error. Differential tests
//! (`plan::tests`) check plan output against minijinja's on generated
//! templates and profiles.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::doc::Doc as Json;
use minijinja::value::{Rest, Value};

use super::filters::{self, RenderState};
use super::scan::ConditionKind;
use crate::rules::ast::CmpOp;
use crate::rules::value::cmp_holds;

/// A template compiled for direct rendering.
#[derive(Debug)]
pub(crate) struct Plan {
    nodes: Vec<Node>,
    /// The length of the last output: the next starts with room for it.
    last_len: AtomicUsize,
}

#[derive(Debug)]
enum Node {
    Text(String),
    Emit(Operand, Vec<Filter>),
    If(Vec<(Cond, Vec<Node>)>, Vec<Node>),
    For(Path, Vec<Node>),
}

/// A value read by a template: a literal or a path.
#[derive(Debug)]
enum Operand {
    Lit(Value),
    Path(Path),
}

/// `name.attr.attr…` resolved at compile time to where `name` lives.
#[derive(Debug)]
struct Path {
    root: Root,
    attrs: Vec<String>,
}

#[derive(Debug)]
enum Root {
    /// A profile field.
    Field(String),
    /// The item of the loop this many levels out (0: innermost).
    Item(usize),
    /// An attribute of `loop` (innermost loop).
    Loop(LoopAttr),
    /// `dir`, `lang` or `formal`.
    Locale(LocaleVar),
}

#[derive(Debug, Clone, Copy)]
enum LoopAttr {
    Index,
    Index0,
    RevIndex,
    RevIndex0,
    First,
    Last,
    Length,
}

#[derive(Debug, Clone, Copy)]
enum LocaleVar {
    Dir,
    Lang,
    Formal,
}

#[derive(Debug)]
enum Filter {
    Default(Vec<Value>),
    Money(Option<String>),
    Number(Option<u8>, Option<u8>),
    Percent(Option<u8>),
    Date(Option<String>, bool),
    Upper,
    Title,
    Truncate(Option<usize>, Option<bool>, Option<String>, Option<usize>),
}

#[derive(Debug)]
enum Cond {
    Or(Vec<Cond>),
    And(Vec<Cond>),
    Not(Box<Cond>),
    /// `matches("…")` / `in_segment("…")`: the condition's index.
    Call(usize),
    Truthy(Operand),
    Cmp(Operand, CmpOp, Operand),
}

/// Global names minijinja resolves when a profile lacks the field: a path
/// starting with one of them is left to minijinja.
const GLOBALS: &[&str] = &[
    "range",
    "dict",
    "debug",
    "namespace",
    "cycler",
    "joiner",
    "lipsum",
    "greeting",
    "address",
    "full_name",
    "holiday_within",
    "season",
    "week_info",
    "in_segment",
    "matches",
    "profile",
    "loop",
    "self",
    "super",
    "varargs",
    "kwargs",
    "caller",
    filters::STATE_KEY,
];

/// Words that are not names in Jinja expressions.
const KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "is", "if", "else", "true", "false", "none", "True", "False", "None",
];

// ------------------------------------------------------------------ lexing

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Int(i64),
    Float(f64),
    Punct(&'static str),
}

/// A piece of the source: text, or the tokens of a `{{ }}` / `{% %}` tag.
enum Piece {
    Text(String),
    Var(Vec<Tok>),
    Block(Vec<Tok>),
}

/// Splits `source` as minijinja's lexer does with the default syntax and
/// whitespace settings; `None` for anything outside the subset.
fn pieces(source: &str) -> Option<Vec<Piece>> {
    let mut src = source;
    // `keep_trailing_newline` is off: one trailing `\n`, then one `\r`, go.
    if let Some(s) = src.strip_suffix('\n') {
        src = s;
    }
    if let Some(s) = src.strip_suffix('\r') {
        src = s;
    }
    let mut out: Vec<Piece> = Vec::new();
    let mut trim_next = false;
    let mut rest = src;
    loop {
        let start = ["{{", "{%", "{#"]
            .iter()
            .filter_map(|m| rest.find(m))
            .min()
            .unwrap_or(rest.len());
        let mut text = rest.get(..start)?;
        if trim_next {
            text = text.trim_start();
        }
        let after = rest.get(start..)?;
        if after.is_empty() {
            push_text(&mut out, text);
            return Some(out);
        }
        let marker = after.get(..2)?;
        let mut body = after.get(2..)?;
        match body.as_bytes().first() {
            Some(b'-') => {
                text = text.trim_end();
                body = body.get(1..)?;
            }
            Some(b'+') => return None,
            _ => {}
        }
        push_text(&mut out, text);
        if marker == "{#" {
            let end = body.find("#}")?;
            trim_next = body.get(..end)?.ends_with('-');
            rest = body.get(end + 2..)?;
            continue;
        }
        let close = if marker == "{{" { "}}" } else { "%}" };
        let (toks, trim, after_tag) = lex_tag(body, close)?;
        trim_next = trim;
        rest = after_tag;
        if marker == "{{" {
            out.push(Piece::Var(toks));
        } else {
            out.push(Piece::Block(toks));
        }
    }
}

fn push_text(out: &mut Vec<Piece>, text: &str) {
    if !text.is_empty() {
        out.push(Piece::Text(text.to_owned()));
    }
}

/// The tokens of a tag up to `close`, whether it ends with `-` (trim what
/// follows) and the source after it.
fn lex_tag<'s>(body: &'s str, close: &str) -> Option<(Vec<Tok>, bool, &'s str)> {
    let mut toks = Vec::new();
    let mut rest = body;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix(close) {
            return Some((toks, false, after));
        }
        if let Some(after) = rest.strip_prefix('-').and_then(|r| r.strip_prefix(close)) {
            return Some((toks, true, after));
        }
        let c = rest.chars().next()?;
        if c.is_ascii_alphabetic() || c == '_' {
            let n = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            toks.push(Tok::Ident(rest.get(..n)?.to_owned()));
            rest = rest.get(n..)?;
        } else if c.is_ascii_digit() {
            let n = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let text = rest.get(..n)?;
            let next = rest.get(n..)?.chars().next();
            if next.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                return None;
            }
            toks.push(number(text)?);
            rest = rest.get(n..)?;
        } else if c == '"' || c == '\'' {
            let inner = rest.get(1..)?;
            let end = inner.find(c)?;
            let s = inner.get(..end)?;
            if s.contains('\\') {
                return None;
            }
            toks.push(Tok::Str(s.to_owned()));
            rest = inner.get(end + 1..)?;
        } else {
            let p = ["==", "!=", "<=", ">=", "<", ">", ".", "|", "(", ")", ","]
                .into_iter()
                .find(|p| rest.starts_with(p))?;
            toks.push(Tok::Punct(p));
            rest = rest.get(p.len()..)?;
        }
    }
}

/// A plain decimal literal (`12`, `1.5`); `None` for anything minijinja
/// might read differently (leading zeros, long integers, `1.`).
fn number(text: &str) -> Option<Tok> {
    match text.split_once('.') {
        None => {
            if text.len() > 15 || (text.len() > 1 && text.starts_with('0')) {
                return None;
            }
            text.parse().ok().map(Tok::Int)
        }
        Some((int, frac)) => {
            if int.is_empty()
                || frac.is_empty()
                || frac.contains('.')
                || int.len() > 15
                || frac.len() > 15
                || (int.len() > 1 && int.starts_with('0'))
            {
                return None;
            }
            text.parse().ok().map(Tok::Float)
        }
    }
}

// ------------------------------------------------------------------ parsing

/// Builds the plan of `source`, or `None` when it uses anything outside the
/// subset. `conditions` maps `(kind, text)` of each condition call to its
/// index, as the template's condition list does.
pub(crate) fn compile(
    source: &str,
    conditions: &HashMap<(ConditionKind, String), usize>,
) -> Option<Plan> {
    let pieces = pieces(source)?;
    let mut parser = Parser {
        pieces: pieces.into_iter(),
        conditions,
        loops: Vec::new(),
    };
    let (nodes, end) = parser.nodes()?;
    end.is_none().then_some(Plan {
        nodes,
        last_len: AtomicUsize::new(0),
    })
}

/// What ended a list of nodes (the block tag that closes it).
enum Stop {
    Elif(Cond),
    Else,
    EndIf,
    EndFor,
}

struct Parser<'c> {
    pieces: std::vec::IntoIter<Piece>,
    conditions: &'c HashMap<(ConditionKind, String), usize>,
    /// Loop variables, innermost last.
    loops: Vec<String>,
}

impl Parser<'_> {
    /// Nodes up to the next `elif` / `else` / `endif` / `endfor` (or the end).
    fn nodes(&mut self) -> Option<(Vec<Node>, Option<Stop>)> {
        let mut out = Vec::new();
        while let Some(piece) = self.pieces.next() {
            match piece {
                Piece::Text(t) => out.push(Node::Text(t)),
                Piece::Var(toks) => {
                    let mut ts = Toks::new(&toks);
                    let (operand, filters) = self.emit(&mut ts)?;
                    ts.done()?;
                    out.push(Node::Emit(operand, filters));
                }
                Piece::Block(toks) => {
                    let mut ts = Toks::new(&toks);
                    match ts.ident()? {
                        "if" => {
                            let first = self.cond(&mut ts)?;
                            ts.done()?;
                            out.push(self.if_node(first)?);
                        }
                        "elif" => {
                            let c = self.cond(&mut ts)?;
                            ts.done()?;
                            return Some((out, Some(Stop::Elif(c))));
                        }
                        "else" => {
                            ts.done()?;
                            return Some((out, Some(Stop::Else)));
                        }
                        "endif" => {
                            ts.done()?;
                            return Some((out, Some(Stop::EndIf)));
                        }
                        "for" => {
                            let var = ts.ident()?;
                            if KEYWORDS.contains(&var)
                                || GLOBALS.contains(&var)
                                || is_locale_var(var)
                            {
                                return None;
                            }
                            let var = var.to_owned();
                            if ts.ident()? != "in" {
                                return None;
                            }
                            let iter = self.path(&mut ts)?;
                            ts.done()?;
                            self.loops.push(var);
                            let (body, end) = self.nodes()?;
                            self.loops.pop();
                            if !matches!(end, Some(Stop::EndFor)) {
                                return None;
                            }
                            out.push(Node::For(iter, body));
                        }
                        "endfor" => {
                            ts.done()?;
                            return Some((out, Some(Stop::EndFor)));
                        }
                        _ => return None,
                    }
                }
            }
        }
        Some((out, None))
    }

    /// The rest of an `if` whose first condition is `first`.
    fn if_node(&mut self, first: Cond) -> Option<Node> {
        let mut branches = Vec::new();
        let mut cond = first;
        loop {
            let (body, end) = self.nodes()?;
            branches.push((cond, body));
            match end? {
                Stop::Elif(c) => cond = c,
                Stop::Else => {
                    let (body, end) = self.nodes()?;
                    return matches!(end, Some(Stop::EndIf)).then_some(Node::If(branches, body));
                }
                Stop::EndIf => return Some(Node::If(branches, Vec::new())),
                Stop::EndFor => return None,
            }
        }
    }

    /// `operand (| filter)*`
    fn emit(&self, ts: &mut Toks) -> Option<(Operand, Vec<Filter>)> {
        let operand = self.operand(ts)?;
        let mut filters = Vec::new();
        while ts.eat("|") {
            filters.push(filter(ts)?);
        }
        Some((operand, filters))
    }

    fn operand(&self, ts: &mut Toks) -> Option<Operand> {
        match ts.peek()? {
            Tok::Ident(name) => match name.as_str() {
                "true" => {
                    ts.next();
                    Some(Operand::Lit(Value::from(true)))
                }
                "false" => {
                    ts.next();
                    Some(Operand::Lit(Value::from(false)))
                }
                "none" => {
                    ts.next();
                    Some(Operand::Lit(Value::from(())))
                }
                _ => self.path(ts).map(Operand::Path),
            },
            _ => literal(ts).map(Operand::Lit),
        }
    }

    /// `name(.attr)*`, resolved against the loop variables in scope.
    fn path(&self, ts: &mut Toks) -> Option<Path> {
        let name = ts.ident()?;
        if KEYWORDS.contains(&name) {
            return None;
        }
        let mut attrs = Vec::new();
        while ts.eat(".") {
            attrs.push(ts.ident()?.to_owned());
        }
        let root = if let Some(depth) = self.loops.iter().rev().position(|v| v == name) {
            Root::Item(depth)
        } else if name == "loop" {
            if self.loops.is_empty() || attrs.len() != 1 {
                return None;
            }
            let attr = match attrs.first()?.as_str() {
                "index" => LoopAttr::Index,
                "index0" => LoopAttr::Index0,
                "revindex" => LoopAttr::RevIndex,
                "revindex0" => LoopAttr::RevIndex0,
                "first" => LoopAttr::First,
                "last" => LoopAttr::Last,
                "length" => LoopAttr::Length,
                _ => return None,
            };
            attrs.clear();
            Root::Loop(attr)
        } else if GLOBALS.contains(&name) {
            return None;
        } else {
            match name {
                "dir" => Root::Locale(LocaleVar::Dir),
                "lang" => Root::Locale(LocaleVar::Lang),
                "formal" => Root::Locale(LocaleVar::Formal),
                _ => Root::Field(name.to_owned()),
            }
        };
        if matches!(root, Root::Locale(_)) && !attrs.is_empty() {
            return None;
        }
        Some(Path { root, attrs })
    }

    /// `or`-expression of an `if`.
    fn cond(&self, ts: &mut Toks) -> Option<Cond> {
        let mut any = vec![self.and(ts)?];
        while ts.eat_ident("or") {
            any.push(self.and(ts)?);
        }
        Some(if any.len() == 1 {
            any.pop()?
        } else {
            Cond::Or(any)
        })
    }

    fn and(&self, ts: &mut Toks) -> Option<Cond> {
        let mut all = vec![self.not(ts)?];
        while ts.eat_ident("and") {
            all.push(self.not(ts)?);
        }
        Some(if all.len() == 1 {
            all.pop()?
        } else {
            Cond::And(all)
        })
    }

    fn not(&self, ts: &mut Toks) -> Option<Cond> {
        if ts.eat_ident("not") {
            return Some(Cond::Not(Box::new(self.not(ts)?)));
        }
        if ts.eat("(") {
            let c = self.cond(ts)?;
            if !ts.eat(")") {
                return None;
            }
            // `(a) == b` and `(a).x` are left to minijinja.
            return (!matches!(ts.peek(), Some(Tok::Punct(_)) if !ts.at(")"))).then_some(c);
        }
        let left = match ts.peek()? {
            Tok::Ident(name) if name == "matches" || name == "in_segment" => {
                let kind = if name == "matches" {
                    ConditionKind::Rule
                } else {
                    ConditionKind::InSegment
                };
                ts.next();
                if !ts.eat("(") {
                    return None;
                }
                let Some(Tok::Str(text)) = ts.next() else {
                    return None;
                };
                let index = *self.conditions.get(&(kind, text.clone()))?;
                if !ts.eat(")") {
                    return None;
                }
                return match ts.peek() {
                    None => Some(Cond::Call(index)),
                    Some(Tok::Ident(w)) if w == "and" || w == "or" => Some(Cond::Call(index)),
                    Some(Tok::Punct(")")) => Some(Cond::Call(index)),
                    _ => None,
                };
            }
            _ => self.operand(ts)?,
        };
        let op = match ts.peek() {
            Some(Tok::Punct(p)) => match *p {
                "==" => CmpOp::Eq,
                "!=" => CmpOp::Ne,
                "<" => CmpOp::Lt,
                "<=" => CmpOp::Le,
                ">" => CmpOp::Gt,
                ">=" => CmpOp::Ge,
                ")" => return Some(Cond::Truthy(left)),
                _ => return None,
            },
            Some(Tok::Ident(w)) if w == "and" || w == "or" => return Some(Cond::Truthy(left)),
            None => return Some(Cond::Truthy(left)),
            _ => return None,
        };
        ts.next();
        let right = self.operand(ts)?;
        match ts.peek() {
            None | Some(Tok::Punct(")")) => {}
            Some(Tok::Ident(w)) if w == "and" || w == "or" => {}
            _ => return None,
        }
        Some(Cond::Cmp(left, op, right))
    }
}

fn is_locale_var(name: &str) -> bool {
    matches!(name, "dir" | "lang" | "formal")
}

fn literal(ts: &mut Toks) -> Option<Value> {
    match ts.next()? {
        Tok::Str(s) => Some(Value::from(s.as_str())),
        Tok::Int(i) => Some(Value::from(i)),
        Tok::Float(f) => Some(Value::from(f)),
        _ => None,
    }
}

/// One filter with literal arguments of the types its function takes.
fn filter(ts: &mut Toks) -> Option<Filter> {
    let name = ts.ident()?.to_owned();
    let mut args: Vec<Tok> = Vec::new();
    if ts.eat("(") && !ts.eat(")") {
        loop {
            let t = ts.next()?;
            if matches!(t, Tok::Punct(_)) {
                return None;
            }
            if let Tok::Ident(w) = &t {
                if !matches!(w.as_str(), "true" | "false" | "none") {
                    return None;
                }
            }
            args.push(t);
            if ts.eat(")") {
                break;
            }
            if !ts.eat(",") {
                return None;
            }
        }
    }
    let string = |t: Option<&Tok>| match t {
        None => Some(None),
        Some(Tok::Str(s)) => Some(Some(s.clone())),
        _ => None,
    };
    let small = |t: Option<&Tok>| match t {
        None => Some(None),
        Some(Tok::Int(i)) => u8::try_from(*i).ok().map(Some),
        _ => None,
    };
    let size = |t: Option<&Tok>| match t {
        None => Some(None),
        Some(Tok::Int(i)) => usize::try_from(*i).ok().map(Some),
        _ => None,
    };
    let boolean = |t: Option<&Tok>| match t {
        None => Some(None),
        Some(Tok::Ident(w)) if w == "true" => Some(Some(true)),
        Some(Tok::Ident(w)) if w == "false" => Some(Some(false)),
        _ => None,
    };
    let at_most = |n: usize| (args.len() <= n).then_some(());
    Some(match name.as_str() {
        "default" | "d" => {
            at_most(2)?;
            let values = args
                .iter()
                .map(|t| match t {
                    Tok::Str(s) => Some(Value::from(s.as_str())),
                    Tok::Int(i) => Some(Value::from(*i)),
                    Tok::Float(f) => Some(Value::from(*f)),
                    Tok::Ident(w) if w == "true" => Some(Value::from(true)),
                    Tok::Ident(w) if w == "false" => Some(Value::from(false)),
                    Tok::Ident(w) if w == "none" => Some(Value::from(())),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Filter::Default(values)
        }
        "money" => {
            at_most(1)?;
            Filter::Money(string(args.first())?)
        }
        "number" => {
            at_most(2)?;
            Filter::Number(small(args.first())?, small(args.get(1))?)
        }
        "percent" => {
            at_most(1)?;
            Filter::Percent(small(args.first())?)
        }
        "date" | "datetime" => {
            at_most(1)?;
            Filter::Date(string(args.first())?, name == "datetime")
        }
        "upper" => {
            at_most(0)?;
            Filter::Upper
        }
        "title" => {
            at_most(0)?;
            Filter::Title
        }
        "truncate" => {
            at_most(4)?;
            Filter::Truncate(
                size(args.first())?,
                boolean(args.get(1))?,
                string(args.get(2))?,
                size(args.get(3))?,
            )
        }
        _ => return None,
    })
}

/// A cursor over a tag's tokens.
struct Toks<'t> {
    toks: &'t [Tok],
    at: usize,
}

impl<'t> Toks<'t> {
    fn new(toks: &'t [Tok]) -> Self {
        Toks { toks, at: 0 }
    }

    fn peek(&self) -> Option<&'t Tok> {
        self.toks.get(self.at)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at)?.clone();
        self.at += 1;
        Some(t)
    }

    fn at(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Tok::Punct(q)) if *q == p)
    }

    fn eat(&mut self, p: &str) -> bool {
        let hit = self.at(p);
        if hit {
            self.at += 1;
        }
        hit
    }

    fn eat_ident(&mut self, word: &str) -> bool {
        let hit = matches!(self.peek(), Some(Tok::Ident(w)) if w == word);
        if hit {
            self.at += 1;
        }
        hit
    }

    fn ident(&mut self) -> Option<&'t str> {
        match self.toks.get(self.at)? {
            Tok::Ident(w) => {
                self.at += 1;
                Some(w.as_str())
            }
            _ => None,
        }
    }

    /// All tokens used.
    fn done(&self) -> Option<()> {
        (self.at == self.toks.len()).then_some(())
    }
}

// ------------------------------------------------------------------ rendering

#[cfg(test)]
thread_local! {
    /// Renders the plan completed (tests check the plan is really used).
    pub(crate) static PLAN_RENDERS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Why a plan render gave up: minijinja renders instead.
#[derive(Debug)]
pub(crate) struct GiveUp;

type Out<T> = std::result::Result<T, GiveUp>;

/// What a render reads besides the profile.
pub(crate) struct Env<'a> {
    /// Outcomes of the conditions, the locale, formatting defaults; its
    /// `used` flags are set as conditions are consulted.
    pub state: &'a RenderState,
    /// `dir`, `lang` and `formal`.
    pub dir: &'a str,
    /// Output cap in bytes.
    pub max_output: usize,
    /// Fuel of a minijinja render: a plan render that might come close
    /// gives up so minijinja decides.
    pub fuel: u64,
}

/// A value during a render.
#[derive(Clone)]
enum Val<'p> {
    Json(&'p Json<'p>),
    Mj(Value),
    Undefined,
}

struct Frame<'p> {
    item: &'p Json<'p>,
    index: usize,
    length: usize,
}

struct Run<'p, 'e> {
    profile: &'p Json<'p>,
    env: &'e Env<'e>,
    loops: Vec<Frame<'p>>,
    out: String,
    steps: u64,
}

impl Plan {
    /// Renders `profile`; `Err(GiveUp)` when minijinja must render instead.
    pub(crate) fn render(&self, profile: &Json, env: &Env) -> Out<String> {
        if !matches!(profile, Json::Object(_)) {
            return Err(GiveUp);
        }
        let mut run = Run {
            profile,
            env,
            loops: Vec::new(),
            out: String::with_capacity(self.last_len.load(Ordering::Relaxed).max(960) + 64),
            steps: 0,
        };
        run.nodes(&self.nodes)?;
        self.last_len.store(run.out.len(), Ordering::Relaxed);
        #[cfg(test)]
        PLAN_RENDERS.with(|n| n.set(n.get() + 1));
        Ok(run.out)
    }
}

impl<'p> Run<'p, '_> {
    fn step(&mut self, n: u64) -> Out<()> {
        self.steps += n;
        // A minijinja instruction per step would be a gross overestimate of
        // what a plan step costs it; stay far below its budget anyway.
        if self.steps.saturating_mul(16) > self.env.fuel {
            return Err(GiveUp);
        }
        Ok(())
    }

    fn nodes(&mut self, nodes: &[Node]) -> Out<()> {
        for node in nodes {
            self.step(1)?;
            match node {
                Node::Text(t) => self.out.push_str(t),
                Node::Emit(operand, filters) => {
                    self.step(filters.len() as u64)?;
                    self.emit(operand, filters)?;
                }
                Node::If(branches, otherwise) => {
                    let mut taken = None;
                    for (cond, body) in branches {
                        if self.cond(cond)? {
                            taken = Some(body);
                            break;
                        }
                    }
                    self.nodes(taken.unwrap_or(otherwise))?;
                }
                Node::For(path, body) => {
                    let items = match self.path(path)? {
                        Val::Json(Json::Array(items)) => *items,
                        // Nothing to loop over: minijinja runs no iteration.
                        Val::Undefined | Val::Json(Json::Null) => &[],
                        _ => return Err(GiveUp),
                    };
                    for (index, item) in items.iter().enumerate() {
                        self.step(2)?;
                        self.loops.push(Frame {
                            item,
                            index,
                            length: items.len(),
                        });
                        let done = self.nodes(body);
                        self.loops.pop();
                        done?;
                    }
                }
            }
            if self.out.len() > self.env.max_output {
                return Err(GiveUp);
            }
        }
        Ok(())
    }

    /// Writes `operand | filters`.
    fn emit(&mut self, operand: &Operand, filters: &[Filter]) -> Out<()> {
        if let (
            Operand::Path(Path {
                root: Root::Loop(attr),
                ..
            }),
            [],
        ) = (operand, filters)
        {
            // A loop counter is written without a minijinja value.
            if let Some(n) = self.loop_count(*attr)? {
                push_u64(&mut self.out, n);
                return Ok(());
            }
        }
        let v = self.operand(operand)?;
        if filters.is_empty() {
            self.write(&v)
        } else if self.default_written(&v, filters)?
            || self.money_written(&v, filters)
            || self.date_written(&v, filters)
        {
            // Written straight into the output.
            Ok(())
        } else {
            let mut v = mj(v)?;
            for f in filters {
                v = self.filter(f, v)?;
            }
            self.write(&Val::Mj(v))
        }
    }

    fn operand(&self, operand: &Operand) -> Out<Val<'p>> {
        match operand {
            Operand::Lit(v) => Ok(Val::Mj(v.clone())),
            Operand::Path(p) => self.path(p),
        }
    }

    fn path(&self, path: &Path) -> Out<Val<'p>> {
        let mut cur: &'p Json<'p> = match &path.root {
            Root::Field(name) => match self.profile.get(name) {
                Some(v) => v,
                None => return Ok(Val::Undefined),
            },
            Root::Item(depth) => {
                let frame = self
                    .loops
                    .len()
                    .checked_sub(depth + 1)
                    .and_then(|i| self.loops.get(i))
                    .ok_or(GiveUp)?;
                frame.item
            }
            Root::Loop(attr) => {
                if let Some(n) = self.loop_count(*attr)? {
                    return Ok(Val::Mj(Value::from(n)));
                }
                let f = self.loops.last().ok_or(GiveUp)?;
                return Ok(Val::Mj(Value::from(match attr {
                    LoopAttr::Last => f.index + 1 == f.length,
                    _ => f.index == 0,
                })));
            }
            Root::Locale(var) => {
                return Ok(Val::Mj(match var {
                    LocaleVar::Dir => Value::from(self.env.dir),
                    LocaleVar::Lang => Value::from(self.env.state.locale.as_str()),
                    LocaleVar::Formal => Value::from(self.env.state.formal),
                }))
            }
        };
        for attr in &path.attrs {
            match cur {
                Json::Object(_) => match cur.get(attr) {
                    Some(v) => cur = v,
                    None => return Ok(Val::Undefined),
                },
                // Attributes of a string or `none` are undefined.
                Json::String(_) | Json::Null => return Ok(Val::Undefined),
                _ => return Err(GiveUp),
            }
        }
        Ok(Val::Json(cur))
    }

    fn cond(&mut self, cond: &Cond) -> Out<bool> {
        self.step(1)?;
        Ok(match cond {
            Cond::Or(any) => {
                for c in any {
                    if self.cond(c)? {
                        return Ok(true);
                    }
                }
                false
            }
            Cond::And(all) => {
                for c in all {
                    if !self.cond(c)? {
                        return Ok(false);
                    }
                }
                true
            }
            Cond::Not(c) => !self.cond(c)?,
            Cond::Call(index) => self.env.state.condition(*index),
            Cond::Truthy(operand) => match self.operand(operand)? {
                Val::Undefined => false,
                Val::Mj(v) => v.is_true(),
                Val::Json(j) => match j {
                    Json::Null => false,
                    Json::Bool(b) => *b,
                    Json::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
                    Json::String(s) => !s.is_empty(),
                    Json::Array(a) => !a.is_empty(),
                    Json::Object(o) => !o.is_empty(),
                },
            },
            Cond::Cmp(left, op, right) => {
                let (l, r) = (self.operand(left)?, self.operand(right)?);
                compare(&l, *op, &r)?
            }
        })
    }

    fn filter(&self, f: &Filter, v: Value) -> Out<Value> {
        let rs = self.env.state;
        let done = match f {
            Filter::Default(args) => filters::default_filter(&v, Rest(args.clone())),
            Filter::Money(c) => filters::money_in(rs, &v, c.as_deref()),
            Filter::Number(min, max) => filters::number_in(rs, &v, *min, *max),
            Filter::Percent(d) => filters::percent_in(rs, &v, *d),
            Filter::Date(style, time) => filters::date_in(rs, &v, style.as_deref(), *time),
            Filter::Upper => filters::case_in(rs, &v, filters::upper_in),
            Filter::Title => filters::case_in(rs, &v, filters::title_in),
            Filter::Truncate(len, kill, end, leeway) => {
                filters::truncate(&v, *len, *kill, end.as_deref(), *leeway)
            }
        };
        done.map_err(|_| GiveUp)
    }

    /// The number `loop.attr` of the innermost loop; `None` for `first`
    /// and `last`.
    fn loop_count(&self, attr: LoopAttr) -> Out<Option<u64>> {
        let f = self.loops.last().ok_or(GiveUp)?;
        let (i, n) = (f.index as u64, f.length as u64);
        Ok(match attr {
            LoopAttr::Index => Some(i + 1),
            LoopAttr::Index0 => Some(i),
            LoopAttr::RevIndex => Some(n - i),
            LoopAttr::RevIndex0 => Some(n - i - 1),
            LoopAttr::Length => Some(n),
            LoopAttr::First | LoopAttr::Last => None,
        })
    }

    /// Whether `v | default(…)` (the only filter) was written: a string or
    /// an integer that is kept, or the fallback, as `filters::default_filter`
    /// decides and `write` prints them.
    fn default_written(&mut self, v: &Val, filters: &[Filter]) -> Out<bool> {
        let [Filter::Default(args)] = filters else {
            return Ok(false);
        };
        if args.len() > 2 {
            return Ok(false);
        }
        let boolean = args.get(1).is_some_and(Value::is_true);
        let keep = match v {
            Val::Undefined | Val::Json(Json::Null) => false,
            Val::Json(Json::String(s)) => !boolean || !s.is_empty(),
            Val::Json(Json::Number(n)) if n.is_u64() || n.is_i64() => {
                !boolean || n.as_i64() != Some(0)
            }
            _ => return Ok(false),
        };
        if keep {
            self.write(v)?;
        } else if let Some(fallback) = args.first() {
            self.write(&Val::Mj(fallback.clone()))?;
        }
        Ok(true)
    }

    /// Whether `v | money(…)` (the only filter) was written straight into
    /// the output: a number whose kept currency formatter has a shape, as
    /// `filters::money_in` would format and `write` escape it.
    fn money_written(&mut self, v: &Val, filters: &[Filter]) -> bool {
        let (Val::Json(Json::Number(n)), [Filter::Money(currency)]) = (v, filters) else {
            return false;
        };
        let rs = self.env.state;
        let (Some(amount), Some(currency)) =
            (n.as_f64(), currency.as_deref().or(rs.currency.as_deref()))
        else {
            return false;
        };
        super::fmt::write_kept_currency(&mut self.out, amount, currency, &rs.locale, true)
    }

    /// Whether `v | date(…)` (the only filter) was written straight into
    /// the output: a date string whose kept formatter has a shape, as
    /// `filters::date_in` would format and `write` escape it.
    fn date_written(&mut self, v: &Val, filters: &[Filter]) -> bool {
        let (Val::Json(Json::String(s)), [Filter::Date(style, false)]) = (v, filters) else {
            return false;
        };
        let s = s.trim();
        let style = super::fmt::DateStyle::parse(style.as_deref().unwrap_or("medium"));
        let (false, Ok(style), Ok(input)) = (s.is_empty(), style, super::fmt::DateInput::parse(s))
        else {
            return false;
        };
        let rs = self.env.state;
        let options = super::fmt::DateOptions {
            time_zone: rs.time_zone,
            style,
            time: false,
        };
        super::fmt::write_kept_date(&mut self.out, input, &rs.locale, options)
    }

    /// Prints `v` as Kaleido's formatter does (see `Template::compile_with`).
    fn write(&mut self, v: &Val) -> Out<()> {
        match v {
            Val::Undefined | Val::Json(Json::Null) => {}
            Val::Json(Json::String(s)) => self.write_str(s, false),
            Val::Json(Json::Bool(b)) => self.out.push_str(if *b { "True" } else { "False" }),
            Val::Json(Json::Number(n)) => {
                // Written in place; minijinja prints floats its own way.
                let _ = if let Some(u) = n.as_u64() {
                    write!(self.out, "{u}")
                } else if let Some(i) = n.as_i64() {
                    write!(self.out, "{i}")
                } else {
                    write!(self.out, "{}", Value::from(n.as_f64().ok_or(GiveUp)?))
                };
            }
            Val::Json(_) => return Err(GiveUp),
            Val::Mj(v) => {
                if v.is_undefined() || v.is_none() {
                } else if let Some(s) = v.as_str() {
                    self.write_str(s, v.is_safe());
                } else {
                    match v.kind() {
                        minijinja::value::ValueKind::Bool | minijinja::value::ValueKind::Number => {
                            let _ = write!(self.out, "{v}");
                        }
                        _ => return Err(GiveUp),
                    }
                }
            }
        }
        Ok(())
    }

    fn write_str(&mut self, s: &str, safe: bool) {
        if safe {
            self.out.push_str(s);
        } else if super::is_script_url(s) {
            self.out.push_str("unsafe:");
            escape_into(&mut self.out, s);
        } else {
            escape_into(&mut self.out, s);
        }
    }
}

/// A JSON value as minijinja holds it after `Value::from_serialize`.
fn mj(v: Val) -> Out<Value> {
    Ok(match v {
        Val::Mj(v) => v,
        Val::Undefined => Value::UNDEFINED,
        Val::Json(j) => match j {
            Json::Null => Value::from(()),
            Json::Bool(b) => Value::from(*b),
            Json::String(s) => Value::from(*s),
            Json::Number(n) => {
                if let Some(u) = n.as_u64() {
                    Value::from(u)
                } else if let Some(i) = n.as_i64() {
                    Value::from(i)
                } else {
                    Value::from(n.as_f64().ok_or(GiveUp)?)
                }
            }
            _ => return Err(GiveUp),
        },
    })
}

/// A number as minijinja compares it: integers exactly, else as floats.
enum Num {
    Int(i128),
    Float(f64),
}

fn num(v: &Val) -> Option<Num> {
    match v {
        Val::Json(Json::Number(n)) => Some(if let Some(u) = n.as_u64() {
            Num::Int(u.into())
        } else if let Some(i) = n.as_i64() {
            Num::Int(i.into())
        } else {
            Num::Float(n.as_f64()?)
        }),
        Val::Mj(v) if v.kind() == minijinja::value::ValueKind::Number => {
            if let Ok(i) = i64::try_from(v.clone()) {
                Some(Num::Int(i.into()))
            } else {
                f64::try_from(v.clone()).ok().map(Num::Float)
            }
        }
        _ => None,
    }
}

fn text<'a>(v: &'a Val) -> Option<&'a str> {
    match v {
        Val::Json(Json::String(s)) => Some(s),
        Val::Mj(v) => v.as_str(),
        _ => None,
    }
}

/// `left op right` for two numbers or two strings; anything else is left
/// to minijinja.
fn compare(left: &Val, op: CmpOp, right: &Val) -> Out<bool> {
    let missing = |v: &Val| matches!(v, Val::Undefined | Val::Json(Json::Null));
    let scalar = |v: &Val| num(v).is_some() || text(v).is_some();
    if matches!(op, CmpOp::Eq | CmpOp::Ne) {
        // A number never equals a string, nor a missing value anything set.
        let differ = (num(left).is_some() && text(right).is_some())
            || (text(left).is_some() && num(right).is_some())
            || (missing(left) && scalar(right))
            || (scalar(left) && missing(right));
        if differ {
            return Ok(op == CmpOp::Ne);
        }
    }
    let ord = match (num(left), num(right)) {
        (Some(Num::Int(a)), Some(Num::Int(b))) => a.cmp(&b),
        (Some(a), Some(b)) => {
            let f = |n: Num| match n {
                Num::Int(i) => i as f64,
                Num::Float(f) => f,
            };
            f(a).partial_cmp(&f(b)).ok_or(GiveUp)?
        }
        _ => match (text(left), text(right)) {
            (Some(a), Some(b)) => a.cmp(b),
            _ => return Err(GiveUp),
        },
    };
    Ok(cmp_holds(op, ord))
}

/// Appends the decimal digits of `n`, as `Display` writes them (one digit
/// without the formatting machinery: loop counters mostly are).
fn push_u64(out: &mut String, n: u64) {
    match u8::try_from(n) {
        Ok(d @ 0..=9) => out.push(char::from(b'0' + d)),
        _ => {
            let _ = write!(out, "{n}");
        }
    }
}

/// Appends `s` with HTML escaping as minijinja's (`<>&"'/`).
pub(crate) fn escape_into(out: &mut String, s: &str) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            b'"' => "&quot;",
            b'\'' => "&#x27;",
            b'/' => "&#x2f;",
            _ => continue,
        };
        out.push_str(s.get(last..i).unwrap_or(""));
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(s.get(last..).unwrap_or(""));
}

#[cfg(test)]
mod tests;
