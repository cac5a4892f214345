//! Structural mutations of JSON documents: the fuzzer picks a node of a real document (an
//! election entry, a CDF report) and deletes, replaces, renames, duplicates or retypes it, so
//! that it explores documents that are nearly right instead of random bytes.

use crate::Input;
use serde_json::{Map, Number, Value};

/// Numbers around the edges: JSON's exact-integer limit, i64 and u64, negatives, fractions.
fn edge_number(input: &mut Input) -> Value {
    let n: Number = match input.u8() % 12 {
        0 => 0.into(),
        1 => (-1).into(),
        2 => ((1u64 << 53) - 1).into(),
        3 => (1u64 << 53).into(),
        4 => u64::MAX.into(),
        5 => i64::MIN.into(),
        6 => Number::from_f64(0.5).unwrap(),
        7 => Number::from_f64(1e300).unwrap(),
        8 => Number::from_f64(-0.0).unwrap(),
        9 => Number::from_f64(3.0).unwrap(),
        10 => input.u64().into(),
        _ => u64::from(input.u8()).into(),
    };
    Value::Number(n)
}

fn edge_string(input: &mut Input) -> String {
    match input.u8() % 10 {
        0 => String::new(),
        1 => "\u{0}\u{1f}\"\\/".into(),
        2 => "\u{ffff}".into(),
        3 => "\u{10000}".into(),
        4 => "\u{e000}\u{1f600}".into(),
        5 => "x".repeat(usize::from(input.u8()) * 16),
        6 => " ".into(),
        7 => "ElectionResults.ElectionReport".into(),
        _ => String::from_utf8_lossy(input.chunk()).into_owned(),
    }
}

/// A new value of any type.
pub fn new_value(input: &mut Input, donor: &Value) -> Value {
    match input.u8() % 9 {
        0 => Value::Null,
        1 => Value::Bool(input.u8() & 1 == 1),
        2 | 3 => edge_number(input),
        4 | 5 => Value::String(edge_string(input)),
        6 => Value::Array(vec![]),
        7 => Value::Object(Map::new()),
        // A copy of some node of the document, so that well-typed pieces move around.
        _ => {
            let n = count(donor);
            node(donor, usize::from(input.u16()) % n.max(1)).clone()
        }
    }
}

/// Nodes in pre-order.
pub fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(o) => o.values().map(count).sum(),
        _ => 0,
    }
}

fn node(v: &Value, mut i: usize) -> &Value {
    if i == 0 {
        return v;
    }
    i -= 1;
    let children: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) => o.values().collect(),
        _ => return v,
    };
    for c in children {
        let n = count(c);
        if i < n {
            return node(c, i);
        }
        i -= n;
    }
    v
}

fn node_mut(v: &mut Value, mut i: usize) -> &mut Value {
    if i == 0 {
        return v;
    }
    i -= 1;
    let children: Vec<&mut Value> = match v {
        Value::Array(a) => a.iter_mut().collect(),
        Value::Object(o) => o.values_mut().collect(),
        _ => unreachable!("leaves have no children"),
    };
    for c in children {
        let n = count(c);
        if i < n {
            return node_mut(c, i);
        }
        i -= n;
    }
    unreachable!("index within the count")
}

const KEYS: &[&str] = &[
    "sig",
    "author",
    "batch",
    "cosigs",
    "v",
    "kind",
    "body",
    "extra",
    "@type",
    "@id",
    "Count",
    "GpUnitId",
    "Type",
    "OtherType",
    "votes",
    "party",
    "",
];

/// Applies one mutation, chosen by the input, to `doc`.
pub fn mutate(doc: &mut Value, input: &mut Input) {
    let donor = doc.clone();
    let n = count(doc);
    let target = usize::from(input.u16()) % n;
    let op = input.u8();
    let v = node_mut(doc, target);
    match (op % 8, v) {
        // Replace the node.
        (0 | 1, v) => *v = new_value(input, &donor),
        // Nudge a number.
        (2, Value::Number(n)) => {
            *n = match (n.as_u64(), input.u8() % 4) {
                (Some(x), 0) => x.wrapping_add(1).into(),
                (Some(x), 1) => (x.wrapping_sub(1) as i64).into(),
                (Some(x), 2) => x.wrapping_mul(1 << 20).into(),
                _ => Number::from_f64(n.as_f64().unwrap_or(0.0) + 0.25).unwrap_or(0.into()),
            }
        }
        // Change a string.
        (2, Value::String(s)) => match input.u8() % 4 {
            0 => s.push_str(&edge_string(input)),
            1 => {
                let keep = usize::from(input.u8()) % (s.len() + 1);
                let mut cut = keep;
                while !s.is_char_boundary(cut) {
                    cut -= 1;
                }
                s.truncate(cut);
            }
            2 => *s = s.to_uppercase(),
            _ => s.insert_str(0, &edge_string(input)),
        },
        // Delete a member or an element.
        (3, Value::Object(o)) if !o.is_empty() => {
            let k = o
                .keys()
                .nth(usize::from(input.u8()) % o.len())
                .unwrap()
                .clone();
            o.remove(&k);
        }
        (3, Value::Array(a)) if !a.is_empty() => {
            let i = usize::from(input.u8()) % a.len();
            a.remove(i);
        }
        // Add a member or an element.
        (4, Value::Object(o)) => {
            let key = if input.u8() & 1 == 0 {
                KEYS[usize::from(input.u8()) % KEYS.len()].to_string()
            } else {
                edge_string(input)
            };
            o.insert(key, new_value(input, &donor));
        }
        (4, Value::Array(a)) => {
            let x = if a.is_empty() || input.u8() & 1 == 0 {
                new_value(input, &donor)
            } else {
                a[usize::from(input.u8()) % a.len()].clone()
            };
            a.push(x);
        }
        // Rename a member.
        (5, Value::Object(o)) if !o.is_empty() => {
            let k = o
                .keys()
                .nth(usize::from(input.u8()) % o.len())
                .unwrap()
                .clone();
            let x = o.remove(&k).unwrap();
            let new = if input.u8() & 1 == 0 {
                KEYS[usize::from(input.u8()) % KEYS.len()].to_string()
            } else {
                format!("{k}{}", edge_string(input))
            };
            o.insert(new, x);
        }
        // Swap two elements.
        (6, Value::Array(a)) if a.len() > 1 => {
            let i = usize::from(input.u8()) % a.len();
            let j = usize::from(input.u8()) % a.len();
            a.swap(i, j);
        }
        // Wrap the node in an array or an object.
        (7, v) => {
            let inner = v.take();
            *v = if input.u8() & 1 == 0 {
                Value::Array(vec![inner])
            } else {
                Value::Object(Map::from_iter([("x".to_string(), inner)]))
            };
        }
        (_, v) => *v = new_value(input, &donor),
    }
}

/// Writes `doc`, compact (sorted keys, as serde_json writes a `Value`) or in some other way
/// that a careless producer might: pretty, with a duplicated member, or with trailing bytes.
pub fn write(doc: &Value, style: u8) -> Vec<u8> {
    match style % 16 {
        0 => serde_json::to_vec_pretty(doc).unwrap(),
        1 => {
            // Duplicate the first member of the top-level object.
            let mut text = serde_json::to_vec(doc).unwrap();
            if let Value::Object(o) = doc
                && let Some((k, v)) = o.iter().next()
            {
                let member = format!(
                    "{}:{},",
                    serde_json::to_string(k).unwrap(),
                    serde_json::to_string(v).unwrap()
                );
                text.splice(1..1, member.into_bytes());
            }
            text
        }
        2 => {
            let mut text = serde_json::to_vec(doc).unwrap();
            text.push(b'\n');
            text
        }
        _ => serde_json::to_vec(doc).unwrap(),
    }
}
