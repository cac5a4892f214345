//! Quality checks declared in a form: rules over a report's answers that flag it when they fail,
//! and never refuse it.
//!
//! The grammar of a rule (tags are two capital letters, keywords are lower case):
//!
//! ```text
//! rule       := TAG "required" [ "if" condition ] | condition
//! condition  := comparison { "and" comparison }
//! comparison := sum ( "<=" | "<" | ">=" | ">" | "==" | "=" | "!=" ) sum
//! sum        := atom { ( "+" | "-" ) atom }
//! atom       := TAG | NUMBER | "(" sum ")"
//! ```
//!
//! A comparison can name integer and select fields only (a select's value is its option's
//! number). A comparison that names a field left unanswered is unknown: a condition is flagged
//! only when one of its comparisons is known to fail, and `AD required if AC > 0` only when every
//! comparison of its condition is known to hold and `AD` is unanswered. So a check never flags a
//! report for what it cannot tell; missing answers are the form's `required` fields' business.

use std::collections::BTreeMap;

use crate::report::Value;

/// A parsed rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// Every comparison must hold.
    Holds(Vec<Comparison>),
    /// The tag must be answered when every comparison holds (always, with none).
    RequiredIf { tag: String, when: Vec<Comparison> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub left: Sum,
    pub op: Op,
    pub right: Sum,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Le,
    Lt,
    Ge,
    Gt,
    Eq,
    Ne,
}

/// Atoms added or subtracted: `(true, atom)` is added, `(false, atom)` subtracted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sum(pub Vec<(bool, Atom)>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Atom {
    Tag(String),
    Number(i64),
    Group(Sum),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Tag(String),
    Number(i64),
    Word(String),
    Op(Op),
    Plus,
    Minus,
    Open,
    Close,
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            c if c.is_whitespace() => i += 1,
            '+' => (out.push(Token::Plus), i += 1).1,
            '-' => (out.push(Token::Minus), i += 1).1,
            '(' => (out.push(Token::Open), i += 1).1,
            ')' => (out.push(Token::Close), i += 1).1,
            '<' | '>' | '=' | '!' => {
                let (op, len) = match (c, next) {
                    ('<', Some('=')) => (Op::Le, 2),
                    ('<', _) => (Op::Lt, 1),
                    ('>', Some('=')) => (Op::Ge, 2),
                    ('>', _) => (Op::Gt, 1),
                    ('=', Some('=')) => (Op::Eq, 2),
                    ('=', _) => (Op::Eq, 1),
                    ('!', Some('=')) => (Op::Ne, 2),
                    _ => return Err("\"!\" must be followed by \"=\"".into()),
                };
                out.push(Token::Op(op));
                i += len;
            }
            c if c.is_ascii_digit() => {
                let start = i;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let digits: String = chars[start..i].iter().collect();
                // Checks compare counts: nine digits is more than any station sees.
                if digits.len() > 9 {
                    return Err(format!("number {digits} is too large"));
                }
                out.push(Token::Number(digits.parse().expect("nine digits fit")));
            }
            c if c.is_ascii_alphabetic() => {
                let start = i;
                while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if word.len() == 2 && word.chars().all(|c| c.is_ascii_uppercase()) {
                    out.push(Token::Tag(word));
                } else if ["required", "if", "and"].contains(&word.as_str()) {
                    out.push(Token::Word(word));
                } else {
                    return Err(format!(
                        "\"{word}\" is neither a field tag (two capital letters) nor one of required, if, and"
                    ));
                }
            }
            c => return Err(format!("unexpected character {c:?}")),
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn condition(&mut self) -> Result<Vec<Comparison>, String> {
        let mut all = vec![self.comparison()?];
        while self.peek() == Some(&Token::Word("and".into())) {
            self.at += 1;
            all.push(self.comparison()?);
        }
        Ok(all)
    }

    fn comparison(&mut self) -> Result<Comparison, String> {
        let left = self.sum()?;
        let op = match self.next() {
            Some(Token::Op(op)) => op,
            other => {
                return Err(format!(
                    "expected a comparison (<=, <, >=, >, ==, !=), found {}",
                    show(other.as_ref())
                ));
            }
        };
        let right = self.sum()?;
        Ok(Comparison { left, op, right })
    }

    fn sum(&mut self) -> Result<Sum, String> {
        let mut terms = vec![(true, self.atom()?)];
        loop {
            let add = match self.peek() {
                Some(Token::Plus) => true,
                Some(Token::Minus) => false,
                _ => return Ok(Sum(terms)),
            };
            self.at += 1;
            terms.push((add, self.atom()?));
        }
    }

    fn atom(&mut self) -> Result<Atom, String> {
        match self.next() {
            Some(Token::Tag(t)) => Ok(Atom::Tag(t)),
            Some(Token::Number(n)) => Ok(Atom::Number(n)),
            Some(Token::Open) => {
                // Bounded, so that no rule can exhaust the stack.
                if self.depth == 8 {
                    return Err("brackets are nested more than 8 deep".into());
                }
                self.depth += 1;
                let inner = self.sum()?;
                self.depth -= 1;
                match self.next() {
                    Some(Token::Close) => Ok(Atom::Group(inner)),
                    other => Err(format!("expected \")\", found {}", show(other.as_ref()))),
                }
            }
            other => Err(format!(
                "expected a field tag, a number or \"(\", found {}",
                show(other.as_ref())
            )),
        }
    }
}

fn show(t: Option<&Token>) -> String {
    match t {
        None => "the end".into(),
        Some(Token::Tag(t)) => format!("field {t}"),
        Some(Token::Number(n)) => format!("number {n}"),
        Some(Token::Word(w)) => format!("\"{w}\""),
        Some(Token::Op(op)) => format!("\"{}\"", op_text(*op)),
        Some(Token::Plus) => "\"+\"".into(),
        Some(Token::Minus) => "\"-\"".into(),
        Some(Token::Open) => "\"(\"".into(),
        Some(Token::Close) => "\")\"".into(),
    }
}

fn op_text(op: Op) -> &'static str {
    match op {
        Op::Le => "<=",
        Op::Lt => "<",
        Op::Ge => ">=",
        Op::Gt => ">",
        Op::Eq => "==",
        Op::Ne => "!=",
    }
}

impl Rule {
    /// Parses a rule; the error says what was expected where.
    pub fn parse(text: &str) -> Result<Rule, String> {
        if text.len() > 500 {
            return Err(format!("is {} bytes long, more than 500", text.len()));
        }
        let tokens = tokens(text)?;
        if tokens.is_empty() {
            return Err("is empty".into());
        }
        let mut p = Parser {
            tokens,
            at: 0,
            depth: 0,
        };
        let rule = match (p.tokens.first(), p.tokens.get(1)) {
            (Some(Token::Tag(tag)), Some(Token::Word(w))) if w == "required" => {
                let tag = tag.clone();
                p.at = 2;
                let when = match p.next() {
                    None => Vec::new(),
                    Some(Token::Word(w)) if w == "if" => p.condition()?,
                    other => {
                        return Err(format!(
                            "expected \"if\" after \"{tag} required\", found {}",
                            show(other.as_ref())
                        ));
                    }
                };
                Rule::RequiredIf { tag, when }
            }
            _ => Rule::Holds(p.condition()?),
        };
        if let Some(extra) = p.tokens.get(p.at) {
            return Err(format!(
                "unexpected {} after a complete rule",
                show(Some(extra))
            ));
        }
        Ok(rule)
    }

    /// Every tag the rule names, with whether it is compared (true) or only required (false).
    pub fn tags(&self) -> Vec<(&str, bool)> {
        let mut out = Vec::new();
        let comparisons = match self {
            Rule::Holds(c) => c,
            Rule::RequiredIf { tag, when } => {
                out.push((tag.as_str(), false));
                when
            }
        };
        for c in comparisons {
            sum_tags(&c.left, &mut out);
            sum_tags(&c.right, &mut out);
        }
        out
    }

    /// Whether the rule flags these answers.
    pub fn flags(&self, answers: &BTreeMap<String, Value>) -> bool {
        match self {
            Rule::Holds(all) => all.iter().any(|c| c.holds(answers) == Some(false)),
            Rule::RequiredIf { tag, when } => {
                !answers.contains_key(tag) && when.iter().all(|c| c.holds(answers) == Some(true))
            }
        }
    }
}

fn sum_tags<'a>(s: &'a Sum, out: &mut Vec<(&'a str, bool)>) {
    for (_, a) in &s.0 {
        match a {
            Atom::Tag(t) => out.push((t.as_str(), true)),
            Atom::Number(_) => {}
            Atom::Group(inner) => sum_tags(inner, out),
        }
    }
}

impl Comparison {
    /// None when a field it names is unanswered (or not a number).
    fn holds(&self, answers: &BTreeMap<String, Value>) -> Option<bool> {
        let l = self.left.value(answers)?;
        let r = self.right.value(answers)?;
        Some(match self.op {
            Op::Le => l <= r,
            Op::Lt => l < r,
            Op::Ge => l >= r,
            Op::Gt => l > r,
            Op::Eq => l == r,
            Op::Ne => l != r,
        })
    }
}

impl Sum {
    // i128: answers are u32 and numbers nine digits, so no sum a form can hold overflows.
    fn value(&self, answers: &BTreeMap<String, Value>) -> Option<i128> {
        let mut total: i128 = 0;
        for (add, atom) in &self.0 {
            let v = match atom {
                Atom::Number(n) => i128::from(*n),
                Atom::Tag(t) => match answers.get(t)? {
                    Value::Integer(n) | Value::Select(n) => i128::from(*n),
                    _ => return None,
                },
                Atom::Group(inner) => inner.value(answers)?,
            };
            total = if *add { total + v } else { total - v };
        }
        Some(total)
    }
}
